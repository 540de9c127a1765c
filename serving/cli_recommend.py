"""recommendations for a user or an item, or a ranking of items for a user

    python -m serving recommend --stack dev --experiment baseline --user u1
    python -m serving recommend --stack dev --experiment baseline --user u1 --rank i3,i7,i9
    python -m serving recommend ... --filter by-genre --filter-value GENRE=Comedy --filter-value GENRE=Drama

A --filter-value is text; repeat a KEY for several values (an IN list).
An experiment of a domain dataset group is served by a recommender: it
answers --user (and --item, for related-items use cases) with its group's
filters; --rank needs a campaign (GetPersonalizedRanking has no recommender)."""

import json
import re

from serving import users
from serving.client import MAX_RESULTS, Recommender
from serving.outputs import StackOutputs

DEFAULT_RESULTS = 25


def add_arguments(parser) -> None:
    parser.add_argument("--experiment", required=True, help="the experiment whose campaign or recommender answers")
    who = parser.add_mutually_exclusive_group(required=True)
    who.add_argument("--user", help="recommendations for this user id")
    who.add_argument("--item", help="items related to this item id (for related-items recipes)")
    parser.add_argument("--num", type=int, help=f"how many items, 1 to {MAX_RESULTS} (default {DEFAULT_RESULTS})")
    parser.add_argument("--filter", help="the name of one of the experiment's filters")
    parser.add_argument(
        "--filter-value",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a value for the filter's $KEY placeholder; repeat a KEY for several values",
    )
    parser.add_argument("--rank", metavar="ITEM,ITEM,...", help="rank these items for --user instead")
    parser.add_argument(
        "--allow-unknown-users",
        action="store_true",
        help="ask for a user absent from the training data (cold start) without an error",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")


def run(args, outputs: StackOutputs) -> int:
    recommender = Recommender(outputs, args.experiment)
    values = parse_filter_values(args.filter_value)
    if args.filter is not None:
        recommender.experiment.filter_arn(args.filter)  # an unknown name fails before the user check reads S3
    if args.rank is not None:
        if args.user is None:
            raise ValueError("--rank ranks items for a user: give --user, not --item")
        if args.num is not None:
            raise ValueError("--num does not apply to --rank, which returns every given item the filter keeps")
        recommender.check_can_rank()
    if args.user is not None and not args.allow_unknown_users:
        users.require_known(outputs, recommender.experiment, [args.user])
    if args.rank is not None:
        items = recommender.rank(args.user, parse_item_list(args.rank), filter=args.filter, filter_values=values)
    else:
        items = recommender.recommend(
            user_id=args.user,
            item_id=args.item,
            num_results=DEFAULT_RESULTS if args.num is None else args.num,
            filter=args.filter,
            filter_values=values,
        )
    if args.json:
        query = {"userId": args.user} if args.user is not None else {"itemId": args.item}
        print(
            json.dumps(
                {
                    "experiment": args.experiment,
                    recommender.served_by_key: recommender.served_by_arn,
                    **query,
                    "filter": args.filter,
                    "items": items,
                },
                indent=2,
            )
        )
    else:
        print(table(items))
    return 0


def parse_filter_values(pairs: list[str]) -> dict[str, list[str]]:
    """["GENRE=Comedy", "GENRE=Drama"] -> {"GENRE": ["Comedy", "Drama"]}."""
    values: dict[str, list[str]] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip().lstrip("$")
        if not sep or not re.fullmatch(r"[A-Za-z0-9_]+", key) or not value:
            raise ValueError(
                f"--filter-value {pair!r} is not KEY=VALUE with KEY the name of a placeholder "
                f"of the filter (letters, digits and _) and a non-empty VALUE"
            )
        values.setdefault(key, []).append(value)
    return values


def parse_item_list(text: str) -> list[str]:
    items = [item.strip() for item in text.split(",")]
    if not all(items):
        raise ValueError(f"--rank {text!r} has an empty item id: give ITEM,ITEM,... without blanks")
    return items


def table(items: list[dict]) -> str:
    if not items:
        return "no items (the filter may exclude them all)"
    rows = [
        (str(rank), item["itemId"], "-" if item.get("score") is None else f"{item['score']:.6f}")
        for rank, item in enumerate(items, start=1)
    ]
    header = ("rank", "itemId", "score")
    widths = [max(len(row[column]) for row in [header, *rows]) for column in range(3)]
    return "\n".join(
        f"{rank:>{widths[0]}}  {item:<{widths[1]}}  {score:>{widths[2]}}" for rank, item, score in [header, *rows]
    )
