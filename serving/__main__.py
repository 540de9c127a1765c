"""python -m serving <command> --stack NAME [--outputs-json FILE] ...

  recommend    recommendations for a user or an item, or a ranking of items
  put-events   send interactions from a CSV to a dataset group's event tracker
  batch        run a batch inference job for a list of users, download a CSV

Campaigns, recommenders, trackers and filters are found by experiment (or
dataset group) name in the stack's outputs (`pulumi stack output`), or in FILE. Exit code 2: bad input, with a
message that names it."""

import argparse
import sys

from serving import cli_batch, cli_events, cli_recommend
from serving.outputs import OutputsError, StackOutputs

COMMANDS = {"recommend": cli_recommend, "put-events": cli_events, "batch": cli_batch}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m serving", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for name, module in COMMANDS.items():
        command = commands.add_parser(
            name,
            help=(module.__doc__ or name).strip().splitlines()[0],
            description=module.__doc__,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        command.add_argument("--stack", required=True, help="the Pulumi stack whose outputs to use")
        command.add_argument("--outputs-json", help="read the stack outputs from this file instead of the Pulumi CLI")
        module.add_arguments(command)
    args = parser.parse_args(argv)
    try:
        outputs = (
            StackOutputs.from_file(args.stack, args.outputs_json)
            if args.outputs_json
            else StackOutputs.from_pulumi(args.stack)
        )
        return COMMANDS[args.command].run(args, outputs)
    except (OutputsError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
