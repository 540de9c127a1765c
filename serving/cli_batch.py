"""run a batch inference job for a list of users, download a CSV

Recommendations from the version the experiment serves, written to --output as
userId,rank,itemId,score, one row per recommended item. Users with no
interaction in the experiment's training data are refused unless
--allow-unknown-users. Rerunning the same request reuses the finished job.
Exit code 1: the job failed, or some users got an error instead of
recommendations (the CSV still holds the others)."""

import sys

from botocore.exceptions import ClientError

from service.errors import ResourceFailed
from service.waiting import DeadlineExceeded
from serving.batch import BatchOutputMissing, read_users, recommend_batch
from serving.outputs import StackOutputs

SHOWN_ERRORS = 10


def add_arguments(parser) -> None:
    parser.add_argument("--experiment", required=True, help="the experiment whose served version recommends")
    users = parser.add_mutually_exclusive_group(required=True)
    users.add_argument("--users", metavar="FILE", help="a file of user ids, one a line")
    users.add_argument("--user", action="append", metavar="ID", help="a user id (repeatable)")
    parser.add_argument("--output", required=True, metavar="CSV", help="where to write the recommendations")
    parser.add_argument("--num", type=int, help="recommendations per user (the service's default: 25)")
    parser.add_argument("--filter", metavar="NAME", help="one of the experiment's filters, by name")
    parser.add_argument(
        "--allow-unknown-users",
        action="store_true",
        help="answer users the model has not seen, with popular items, on purpose",
    )


def run(args, outputs: StackOutputs) -> int:
    users = read_users(args.users) if args.users else args.user
    try:
        result = recommend_batch(
            outputs,
            args.experiment,
            users,
            args.output,
            num_results=args.num,
            filter_name=args.filter,
            allow_unknown_users=args.allow_unknown_users,
        )
    except (ResourceFailed, DeadlineExceeded, BatchOutputMissing, ClientError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(
        f"wrote {result.rows} recommendations for {result.users - len(result.errors)} of {result.users} users "
        f"to {args.output} (job {result.job_arn}, output {result.output_uri})"
    )
    if result.empty:
        print(f"note: {len(result.empty)} users got no item, e.g. {result.empty[0]!r}", file=sys.stderr)
    for user, reason in list(result.errors.items())[:SHOWN_ERRORS]:
        print(f"error: user {user!r}: {reason}", file=sys.stderr)
    if len(result.errors) > SHOWN_ERRORS:
        print(f"error: and {len(result.errors) - SHOWN_ERRORS} more users", file=sys.stderr)
    return 1 if result.errors else 0
