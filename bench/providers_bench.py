"""How close `pulumi up` gets to the service's own pace, and what waiting costs.

Deploys a stack of N experiments through the real engine against
personalize-local at a time scale where the emulator's realistic durations
dominate, and reports:
  - the wall time of `up` divided by the critical path of the emulator's own
    durations for that stack (goal: at most 1.10);
  - the engine's fixed cost, measured in the same run: `up` of a one-record
    program that waits for nothing;
  - Describe calls per long wait (import, training, campaign), counted by the
    emulator.

    .venv/bin/python bench/providers_bench.py [--experiments 2] [--time-scale 0.02] [--parallel P]

Up to 5 experiments, each has its own dataset group, so N experiments wait on
N imports, then N trainings, then N campaigns at once. Past 5, the service's
quotas (5 dataset groups and 5 import jobs in progress per region, 5 campaigns
per group) make that impossible: the experiments share declared groups of 5
(one import each), and wait on N trainings and N campaigns at once. The
engine runs at most `--parallel` steps at once (the CLI's default: four per
CPU); the bench passes the value the program's warning names for N
experiments (stacks.parallel.recommended_parallel(N)) when it is above that
default, as a user following it would, unless told another.
"""

import argparse
import json
import os
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import boto3

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from local.clock import DEFAULT_DURATIONS  # noqa: E402
from tests.helpers.data import interactions_csv  # noqa: E402
from tests.helpers.engine import MAIN_PROGRAM, RECORDS_PROGRAM, cli_dir, isolated_env, stack_factory  # noqa: E402
from tests.helpers.loopback import use_loopback_credentials  # noqa: E402
from tests.helpers.roles import personalize_role  # noqa: E402

use_loopback_credentials()

ROWS = 1800
DEFAULT_TIME_SCALE = 0.02
LONG_WAITS = ("DescribeDatasetImportJob", "DescribeSolutionVersion", "DescribeCampaign")


def critical_path(time_scale: float, rows: int) -> float:
    """group > dataset > max(import, solution) > version > campaign, in scaled seconds."""
    d = DEFAULT_DURATIONS
    import_job = d["datasetImportJob"] + d["datasetImportJob.perMillionRows"] * rows / 1e6
    version = d["solutionVersion"] + d["solutionVersion.perMillionRows"] * rows / 1e6
    return (d["datasetGroup"] + d["dataset"] + max(import_job, d["solution"]) + version + d["campaign"]) * time_scale


def scaled_polling(time_scale: float) -> dict:
    """The default poll floor and cap (service.waiting.DEFAULT_WAITS), scaled like the durations."""
    from service.waiting import DEFAULT_WAITS

    return {key: DEFAULT_WAITS[key] * time_scale for key in ("initialPollSeconds", "maxPollSeconds")}


def stats(endpoint: str) -> dict:
    return json.loads(urllib.request.urlopen(f"{endpoint}/_local/stats").read())["operations"]


def export_v1(tmp: Path, endpoint: str) -> int:
    """Dataset version v1 in the bench bucket, exported by data preparation as
    the program expects (it checks the manifest at preview); returns its training rows."""
    import yaml

    from prep.config import load_config
    from prep.pipeline import prepare

    (tmp / "raw.csv").write_bytes(interactions_csv(rows=ROWS))
    (tmp / "dataset.yaml").write_text(
        yaml.safe_dump(
            {
                "name": "bench",
                "holdout": {"days": 7},
                "interactions": {
                    "sources": [{"kind": "csv", "path": str(tmp / "raw.csv")}],
                    "mapping": {name: {"column": name} for name in ("USER_ID", "ITEM_ID", "EVENT_TYPE", "TIMESTAMP")},
                },
            }
        )
    )
    return prepare(load_config(str(tmp / "dataset.yaml")), "v1", "s3://bench", s3_endpoint=endpoint)["training"]["rows"]


def timed_up(program, config: dict, work: Path, parallel: int | None = None) -> float:
    from pulumi import automation as auto

    work.mkdir(parents=True)
    make, _ = stack_factory(program, work, isolated_env(work), auto.PulumiCommand(root=str(cli_dir().parent)))
    stack = make("bench", config)
    start = time.perf_counter()
    stack.up(parallel=parallel)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--experiments", type=int, default=2)
    parser.add_argument("--time-scale", type=float, default=DEFAULT_TIME_SCALE)
    parser.add_argument("--parallel", type=int, default=None, help="the engine's --parallel (0: the CLI's default)")
    parser.add_argument(
        "--program", default=None, help="another checkout's program (e.g. a release's), to compare in its own entry"
    )
    args = parser.parse_args()
    from stacks.parallel import recommended_parallel

    # What a user who follows the program's warning passes: more than the CLI's default only.
    wanted = recommended_parallel(args.experiments)
    default = 4 * (os.cpu_count() or 1)
    parallel = (wanted if wanted > default else None) if args.parallel is None else (args.parallel or None)
    per_group = 5
    shared = args.experiments > per_group

    import local

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        emulator = local.start(str(tmp / "emulator"), port=0, time_scale=args.time_scale)
        try:
            aws = lambda service: boto3.client(service, endpoint_url=emulator.endpoint, region_name="us-east-1")
            aws("s3").create_bucket(Bucket="bench")
            training_rows = export_v1(tmp, emulator.endpoint)
            role = personalize_role(aws("iam"), aws("s3"), "bench", "bench")

            baseline = timed_up(
                RECORDS_PROGRAM, {"store": str(tmp / "records"), "records": {"one": {}}}, tmp / "baseline"
            )
            before = stats(emulator.endpoint)
            config = {
                "connection": {"region": "us-east-1", "endpoint": emulator.endpoint},
                "storage": {"bucketName": "bench", "roleArn": role},
                # Polling scaled like the durations, so the ratio is the one a real
                # deployment sees with the product's default floor and cap.
                "waits": scaled_polling(args.time_scale),
                "experiments": [
                    {"name": f"exp{i}", "recipe": "aws-popularity-count"}
                    | ({"datasetGroup": f"group{i // per_group}"} if shared else {"datasetVersion": "v1"})
                    for i in range(args.experiments)
                ],
                **(
                    {
                        "datasetGroups": [
                            {"name": f"group{g}", "datasetVersion": "v1"}
                            for g in range(-(-args.experiments // per_group))
                        ]
                    }
                    if shared
                    else {}
                ),
            }
            program = (Path(args.program), MAIN_PROGRAM[1]) if args.program else MAIN_PROGRAM
            wall = timed_up(program, config, tmp / "stack", parallel)
            after = stats(emulator.endpoint)
        finally:
            emulator.stop()

    path = critical_path(args.time_scale, training_rows)
    describes = {op: after.get(op, 0) - before.get(op, 0) for op in LONG_WAITS}
    result = {
        "experiments": args.experiments,
        "program": args.program or "this checkout",
        "load_average_1m": round(os.getloadavg()[0], 2),
        "cores": os.cpu_count(),
        "dataset_groups": -(-args.experiments // per_group) if shared else args.experiments,
        "time_scale": args.time_scale,
        "parallel": parallel or "the CLI's default",
        "up_seconds": round(wall, 2),
        "critical_path_seconds": round(path, 2),
        "up_over_critical_path": round(wall / path, 3),
        "engine_baseline_up_seconds": round(baseline, 2),
        "up_minus_baseline_over_critical_path": round((wall - baseline) / path, 3),
        "describe_calls": describes,
        "describe_calls_per_long_wait": round(sum(describes.values()) / (len(LONG_WAITS) * args.experiments), 1),
    }
    # One entry per number of experiments, so runs of 2, 5 and 10 sit side by side.
    out = ROOT / "bench" / "results" / "providers.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    previous = json.loads(out.read_text()) if out.exists() else {}
    runs = previous.get("runs", {}) if isinstance(previous, dict) else {}
    # Another program or time scale gets its own entry beside the default's.
    label = ", ".join(
        ([args.program] if args.program else [])
        + ([f"time scale {args.time_scale:g}"] if args.time_scale != DEFAULT_TIME_SCALE else [])
    )
    runs[f"{args.experiments} ({label})" if label else str(args.experiments)] = result
    out.write_text(
        json.dumps({"runs": dict(sorted(runs.items(), key=lambda kv: (int(kv[0].split()[0]), kv[0])))}, indent=2)
    )
    for key, value in result.items():
        print(f"{key:40} {value}")


if __name__ == "__main__":
    main()
