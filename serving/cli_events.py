"""send interactions from a CSV to an experiment's event tracker

The CSV has the columns data preparation exports: USER_ID, ITEM_ID, EVENT_TYPE,
TIMESTAMP (epoch seconds) and optionally SESSION_ID, EVENT_VALUE. Every row is
checked before the first event is sent. Exit code 1: the service refused or
kept throttling a call; the message says how many events were sent before it."""

import sys

from serving.events import PutEventsFailed, events_from_csv, put_events
from serving.outputs import StackOutputs


def add_arguments(parser) -> None:
    parser.add_argument("--experiment", required=True, help="the experiment whose event tracker receives the events")
    parser.add_argument("--file", required=True, help="the CSV of interactions to send")


def run(args, outputs: StackOutputs) -> int:
    experiment = outputs.experiment(args.experiment)
    tracking_id = experiment.require_tracking_id()
    events = events_from_csv(args.file)
    if not events:
        raise ValueError(f"{args.file} has no events")
    try:
        counts = put_events(outputs.client("personalize-events"), tracking_id, events)
    except PutEventsFailed as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(
        f"sent {counts['events']} events to the event tracker of experiment {experiment.name} "
        f"in {counts['calls']} calls ({counts['retries']} retries)"
    )
    return 0
