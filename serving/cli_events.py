"""send interactions from a CSV to the event tracker of an experiment's dataset group

    python -m serving put-events --stack dev --experiment baseline --file events.csv
    python -m serving put-events --stack dev --group shop --file events.csv

The tracker belongs to a dataset group: --experiment sends to the tracker of
that experiment's group (every experiment of the group sees the events),
--group names the group directly. The CSV has the columns data preparation
exports: USER_ID, ITEM_ID, EVENT_TYPE, TIMESTAMP (epoch seconds) and
optionally SESSION_ID, EVENT_VALUE. Every row is checked before the first
event is sent. Exit code 1: the service refused or kept throttling a call;
the message says how many events were sent before it."""

import sys

from serving.events import PutEventsFailed, events_from_csv, put_events
from serving.outputs import StackOutputs


def add_arguments(parser) -> None:
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--experiment", help="the experiment whose dataset group's event tracker receives the events")
    target.add_argument("--group", help="the dataset group whose event tracker receives the events")
    parser.add_argument("--file", required=True, help="the CSV of interactions to send")


def run(args, outputs: StackOutputs) -> int:
    if args.experiment is not None:
        experiment = outputs.experiment(args.experiment)
        tracking_id = experiment.require_tracking_id()
        group = experiment.dataset_group
        target = f"experiment {experiment.name}" + (f" (dataset group {group})" if group != experiment.name else "")
    else:
        tracking_id = outputs.group_tracking_id(args.group)
        target = f"dataset group {args.group}"
    events = events_from_csv(args.file)
    if not events:
        raise ValueError(f"{args.file} has no events")
    try:
        counts = put_events(outputs.client("personalize-events"), tracking_id, events)
    except PutEventsFailed as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(
        f"sent {counts['events']} events to the event tracker of {target} "
        f"in {counts['calls']} calls ({counts['retries']} retries)"
    )
    return 0
