"""python -m local --port N --state-dir DIR [--time-scale 0.001] [--host 127.0.0.1] [--quota NAME=N] ..."""

import argparse
import json
import os
import signal
import sys
import threading
from pathlib import Path

from . import start
from .quotas import QUOTAS, Quotas


def _json_arg(text: str | None) -> dict:
    """JSON given inline or as a path to a JSON file."""
    if not text:
        return {}
    path = Path(text)
    return json.loads(path.read_text() if path.exists() else text)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m local", description=__doc__)
    parser.add_argument("--port", type=int, default=4566, help="0 picks a free port")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--state-dir", required=True)
    parser.add_argument(
        "--time-scale", type=float, default=0.001, help="multiplies every nominal duration (0 = instant)"
    )
    parser.add_argument(
        "--durations",
        default=os.environ.get("PERSONALIZE_LOCAL_DURATIONS"),
        help='nominal seconds per operation, JSON or a JSON file: {"solutionVersion": 600}',
    )
    parser.add_argument("--account", default=None)
    parser.add_argument("--throttle-rate", type=float, default=0.0)
    parser.add_argument("--throttle-ops", default="", help="comma-separated operations (default: all)")
    parser.add_argument(
        "--fail",
        action="append",
        default=[],
        metavar="NAME=REASON",
        help="force CREATE FAILED for the resource named NAME",
    )
    parser.add_argument("--latency-ms", type=float, default=0)
    parser.add_argument(
        "--quota",
        action="append",
        default=[],
        metavar="NAME=N",
        help="the account's own quota where it was raised (default: the documented one); "
        f"NAME is one of {', '.join(QUOTAS)}",
    )
    parser.add_argument(
        "--quotas",
        default=None,
        help='quotas as JSON or a JSON file: {"activeDatasetGroups": 10}; --quota wins over it',
    )
    args = parser.parse_args(argv)
    try:
        args.quota = {**_json_arg(args.quotas), **dict(_quota(item) for item in args.quota)}
        Quotas(args.quota)
    except ValueError as error:
        parser.error(str(error))
    return args


def _quota(item: str) -> tuple[str, int]:
    name, _, value = item.partition("=")
    try:
        return name, int(value)
    except ValueError:
        raise ValueError(f"--quota {item}: NAME=N with N a whole number") from None


def main(argv=None) -> int:
    args = parse_args(argv)
    faults = {"latency_ms": args.latency_ms, "fail": dict(item.split("=", 1) for item in args.fail)}
    if args.throttle_rate:
        faults["throttle"] = {
            "rate": args.throttle_rate,
            "operations": [op for op in args.throttle_ops.split(",") if op],
        }
    handle = start(
        args.state_dir,
        port=args.port,
        time_scale=args.time_scale,
        host=args.host,
        durations=_json_arg(args.durations),
        faults=faults,
        account=args.account,
        quotas=args.quota,
    )
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    print(f"personalize-local ready on {handle.endpoint}", flush=True)
    stopping.wait()
    handle.stop()
    print("personalize-local stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
