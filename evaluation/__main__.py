"""python -m evaluation report|status --stack NAME [--chart PATH] [--intervals]
[--leaderboard-chart PATH] [--history-chart PATH] [--outputs-json FILE]

report: each experiment's promotion decision with champion and challenger
metrics side by side, from the stack's `promotions` output, then for each
dataset group with several experiments a leaderboard of the models they serve;
with --intervals (or --leaderboard-chart) the leaderboard's bootstrap intervals
from the per-user scores kept in the stack's bucket, and with --history-chart
each campaign's promotion history over time.
status: what is importing, training or being created per dataset group and
experiment now, without running the engine."""

import argparse
import json
import subprocess
import sys

from botocore.exceptions import BotoCoreError, ClientError

from evaluation import board, history, status
from evaluation.report import render, write_chart
from service.client import client
from service.connection import from_output


class ReportError(Exception):
    pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evaluation", description=__doc__.split("\n\n")[1])
    commands = parser.add_subparsers(dest="command", required=True)
    report = commands.add_parser(
        "report", help="champion vs challenger per experiment, a leaderboard per dataset group"
    )
    report.add_argument("--stack", required=True, help="the Pulumi stack whose outputs to report")
    report.add_argument("--chart", help="also write a PNG bar chart here")
    report.add_argument(
        "--intervals",
        action="store_true",
        help="also print each dataset group's leaderboard with bootstrap intervals (reads the stack's bucket)",
    )
    report.add_argument("--leaderboard-chart", help="also write the leaderboard with intervals as a PNG here")
    report.add_argument("--history-chart", help="also write each campaign's promotion history as a PNG here")
    report.add_argument("--outputs-json", help="read the stack outputs from this file instead of the Pulumi CLI")
    progress = commands.add_parser("status", help="imports, trainings and recommenders in progress")
    progress.add_argument("--stack", required=True, help="the Pulumi stack whose outputs to read")
    progress.add_argument("--outputs-json", help="read the stack outputs from this file instead of the Pulumi CLI")
    args = parser.parse_args(argv)
    try:
        outputs = _read_file(args.outputs_json) if args.outputs_json else _stack_outputs(args.stack)
        if args.command == "status":
            if not isinstance(outputs, dict) or not isinstance(outputs.get("experiments"), dict):
                raise ReportError(f"stack {args.stack} has no `experiments` output: has it been deployed?")
            print(status.render(outputs), end="")
            return 0
        promotions = outputs.get("promotions") if isinstance(outputs, dict) else None
        if not isinstance(promotions, dict):
            raise ReportError(
                f"stack {args.stack} has no `promotions` output (it has: "
                f"{', '.join(sorted(outputs)) if isinstance(outputs, dict) and outputs else 'none'})"
            )
    except ReportError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(render(outputs), end="")
    if args.chart:
        write_chart(args.chart, promotions)
        print(f"chart written to {args.chart}")
    try:
        if args.intervals or args.leaderboard_chart or args.history_chart:
            s3 = client("s3", connection=from_output(outputs.get("connection") or {}))
        if args.intervals or args.leaderboard_chart:
            found = board.boards(outputs, board.read_scores(outputs, s3))
            if args.intervals:
                print("\n" + (board.render(found) or "no dataset group has several experiments") + "\n", end="")
            if args.leaderboard_chart:
                board.write(args.leaderboard_chart, found)
                print(f"leaderboard chart written to {args.leaderboard_chart}")
        if args.history_chart:
            history.write(args.history_chart, history.read_histories(outputs, s3))
            print(f"history chart written to {args.history_chart}")
    except (BotoCoreError, ClientError) as error:
        print(
            f"error: cannot read the per-user scores or history in bucket {outputs.get('bucket')}: {error}",
            file=sys.stderr,
        )
        return 2
    return 0


def _stack_outputs(stack: str) -> dict:
    command = ["pulumi", "stack", "output", "--json", "--stack", stack]
    try:
        done = subprocess.run(command, capture_output=True, text=True)
    except FileNotFoundError:
        raise ReportError(
            "the pulumi CLI is not on PATH (source scripts/env.sh and add scripts/install-pulumi's output)"
        ) from None
    if done.returncode != 0:
        raise ReportError(f"`{' '.join(command)}` failed (exit {done.returncode}): {done.stderr.strip()}")
    return _parse(done.stdout, f"the outputs of stack {stack}")


def _read_file(path: str) -> dict:
    try:
        with open(path, encoding="utf-8") as file:
            return _parse(file.read(), path)
    except OSError as error:
        raise ReportError(f"cannot read {path}: {error.strerror}") from None


def _parse(text: str, source: str) -> dict:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ReportError(f"{source} is not JSON: {error}") from None


if __name__ == "__main__":
    sys.exit(main())
