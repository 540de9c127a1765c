"""What waiting for training costs: polls and lateness of a blocking wait, and
how much of `up` `training: {wait: false}` saves.

Part A: one solution version whose training takes exactly two nominal hours,
created by the provider with polling scaled like the durations (the defaults:
floor and cap of service.waiting.DEFAULT_WAITS), so the counts are those of a real two-hour training:
  - DescribeSolutionVersion calls per simulated minute (goal: at most 1.0), and
    as a ratio of a fixed poller every 60 s (120 calls);
  - how late `create` returns after the emulator finished, as a share of the
    training time (goal: at most 10%).

Part B: a new dataset version through the real engine, on two identical
one-experiment stacks: `up` with training.wait true (import, training and the
campaign update) against training.wait false (starts them and returns), then
how many more `up`s the latter needs before its promotion is decided.

    .venv/bin/python bench/training_wait_bench.py [--time-scale 0.002] [--repeats 3] [--engine-time-scale 0.01]
"""

import argparse
import contextlib
import io
import json
import statistics
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import boto3

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.helpers.loopback import use_loopback_credentials  # noqa: E402

use_loopback_credentials()

from bench.providers_bench import scaled_polling  # noqa: E402
from providers.dataset import DatasetProvider  # noqa: E402
from providers.dataset_group import DatasetGroupProvider  # noqa: E402
from providers.dataset_import_job import DatasetImportJobProvider  # noqa: E402
from providers.schema import SchemaProvider  # noqa: E402
from providers.solution import SolutionProvider  # noqa: E402
from providers.solution_version import SolutionVersionProvider  # noqa: E402
from tests.helpers.data import INTERACTIONS_SCHEMA, interactions_csv  # noqa: E402
from tests.helpers.engine import MAIN_PROGRAM, cli_dir, isolated_env, stack_factory  # noqa: E402
from tests.helpers.roles import personalize_role  # noqa: E402

TRAINING_SECONDS = 7200
FIXED_POLL_SECONDS = 60  # the fixed once-a-minute loop of the usual sample notebooks
BUCKET = "bench"
RUNNING = ("WAITING FOR IMPORT", "CREATE PENDING", "CREATE IN_PROGRESS")


def clients(endpoint: str):
    return lambda service: boto3.client(service, endpoint_url=endpoint, region_name="us-east-1")


def local_get(endpoint: str, path: str) -> dict:
    return json.loads(urllib.request.urlopen(f"{endpoint}/_local/{path}").read())


def create(provider, props: dict) -> tuple[str, dict]:
    checked = provider.check({}, props)
    if checked.failures:
        raise ValueError([f.reason for f in checked.failures])
    result = provider.create(checked.inputs)
    return result.id, result.outs


# --- Part A -------------------------------------------------------------------
def part_a(scale: float, repeats: int, tmp: Path) -> dict:
    import local

    emulator = local.start(
        str(tmp / "emulator-a"),
        port=0,
        time_scale=scale,
        durations={"solutionVersion": TRAINING_SECONDS, "solutionVersion.perMillionRows": 0},
    )
    try:
        aws = clients(emulator.endpoint)
        aws("s3").create_bucket(Bucket=BUCKET)
        aws("s3").put_object(Bucket=BUCKET, Key="datasets/v1/interactions.csv", Body=interactions_csv())
        role = personalize_role(aws("iam"), aws("s3"), "bench", BUCKET)
        # A real stack's polling, scaled; the deadline is prod's (14400 s), since
        # the 3600 s default would give up on a two-hour training.
        conn = {
            "endpoint": emulator.endpoint,
            "region": "us-east-1",
            "waits": {**scaled_polling(scale), "createSeconds": 14400 * scale},
        }
        group, _ = create(DatasetGroupProvider(), {**conn, "name": "wait"})
        schema, _ = create(
            SchemaProvider(),
            {**conn, "name": "wait-interactions", "schema": INTERACTIONS_SCHEMA, "datasetType": "Interactions"},
        )
        dataset, _ = create(
            DatasetProvider(),
            {
                **conn,
                "name": "wait-interactions",
                "datasetType": "Interactions",
                "datasetGroupArn": group,
                "schemaArn": schema,
            },
        )
        import_job, _ = create(
            DatasetImportJobProvider(),
            {
                **conn,
                "jobName": "wait-v1",
                "datasetArn": dataset,
                "roleArn": role,
                "dataSource": {"dataLocation": f"s3://{BUCKET}/datasets/v1/interactions.csv"},
            },
        )
        solution, _ = create(
            SolutionProvider(),
            {
                **conn,
                "name": "wait",
                "datasetGroupArn": group,
                "recipeArn": "arn:aws:personalize:::recipe/aws-popularity-count",
            },
        )
        # Each run its own trigger: equal inputs would adopt the first run's version (its
        # name is a digest of them) instead of training again.
        runs = [
            one_training(
                aws("personalize"),
                emulator.endpoint,
                conn,
                solution,
                {"datasetImportJobArn": import_job, "run": i},
                scale,
            )
            for i in range(repeats)
        ]
    finally:
        emulator.stop()
    return {
        "time_scale": scale,
        "training_seconds": TRAINING_SECONDS,
        "runs": runs,
        "fixed_poller_calls": TRAINING_SECONDS // FIXED_POLL_SECONDS,
        "summary": {
            key: {"mean": round(statistics.mean(r[key] for r in runs), 4), "worst": round(max(r[key] for r in runs), 4)}
            for key in ("describe_calls", "calls_per_sim_minute", "delay_sim_seconds", "delay_share")
        },
    }


def one_training(api, endpoint: str, conn: dict, solution: str, triggers: dict, scale: float) -> dict:
    before = local_get(endpoint, "stats")["operations"].get("DescribeSolutionVersion", 0)
    started = time.time()
    arn, _ = create(SolutionVersionProvider(), {**conn, "solutionArn": solution, "triggers": triggers})
    returned = time.time()
    calls = local_get(endpoint, "stats")["operations"].get("DescribeSolutionVersion", 0) - before
    version = api.describe_solution_version(solutionVersionArn=arn)["solutionVersion"]
    # The emulator's timestamps are its clock, wall time plus an offset; its
    # finish is the nominal end it stamps, not when a describe first saw it.
    offset = local_get(endpoint, "clock")["offset"]
    finished = version["lastUpdatedDateTime"].timestamp() - offset
    trained = (version["lastUpdatedDateTime"] - version["creationDateTime"]).total_seconds() / scale
    delay = (returned - finished) / scale
    waited = (returned - started) / scale
    return {
        "status": version["status"],
        "trained_sim_seconds": round(trained, 1),
        "describe_calls": calls,
        "calls_per_sim_minute": round(calls / (waited / 60), 3),
        "delay_sim_seconds": round(delay, 1),
        "delay_share": round(delay / trained, 4),
    }


# --- Part B -------------------------------------------------------------------
def export(tmp: Path, endpoint: str, version: str, seed: int) -> None:
    """A dataset version exported by data preparation, as the program expects
    (it checks the manifest at preview)."""
    import yaml

    from prep.config import load_config
    from prep.pipeline import prepare

    work = tmp / f"prep-{version}"
    work.mkdir()
    (work / "raw.csv").write_bytes(interactions_csv(rows=1800, seed=seed))
    (work / "dataset.yaml").write_text(
        yaml.safe_dump(
            {
                "name": "bench",
                "holdout": {"days": 7},
                "interactions": {
                    "sources": [{"kind": "csv", "path": str(work / "raw.csv")}],
                    "mapping": {name: {"column": name} for name in ("USER_ID", "ITEM_ID", "EVENT_TYPE", "TIMESTAMP")},
                },
            }
        )
    )
    prepare(load_config(str(work / "dataset.yaml")), version, f"s3://{BUCKET}", s3_endpoint=endpoint)


def program(work: Path):
    """make(stack, config), for a program stack of its own project and backend."""
    from pulumi import automation as auto

    work.mkdir(parents=True)
    make, _ = stack_factory(MAIN_PROGRAM, work, isolated_env(work), auto.PulumiCommand(root=str(cli_dir().parent)))
    return make


def timed_up(stack):
    start = time.perf_counter()
    result = stack.up()
    return round(time.perf_counter() - start, 2), result


def training_state(up) -> tuple[str, str]:
    outputs = up.outputs
    return outputs["experiments"].value["exp"]["trainingStatus"], outputs["promotions"].value["exp"]["decision"]


def part_b(scale: float, resume_every: float, max_resumes: int, tmp: Path) -> dict:
    import local

    emulator = local.start(str(tmp / "emulator-b"), port=0, time_scale=scale)
    try:
        aws = clients(emulator.endpoint)
        aws("s3").create_bucket(Bucket=BUCKET)
        export(tmp, emulator.endpoint, "v1", seed=1)
        export(tmp, emulator.endpoint, "v2", seed=2)
        role = personalize_role(aws("iam"), aws("s3"), "bench", BUCKET)

        def config(version: str, wait: bool) -> dict:
            return {
                "connection": {"region": "us-east-1", "endpoint": emulator.endpoint},
                "storage": {"bucketName": BUCKET, "roleArn": role},
                "waits": scaled_polling(scale),
                "training": {"wait": wait},
                "experiments": [{"name": "exp", "recipe": "aws-popularity-count", "datasetVersion": version}],
            }

        makers = {name: program(tmp / name) for name in ("blocking", "background")}
        # Both first deployments wait (no campaign serves yet) and are not what
        # is measured: run them side by side to keep the bench short.
        with ThreadPoolExecutor(2) as pool:
            first = dict(
                zip(makers, pool.map(lambda name: timed_up(makers[name](name, config("v1", True)))[0], makers))
            )

        blocking_seconds, blocking_up = timed_up(makers["blocking"]("blocking", config("v2", True)))
        background = makers["background"]("background", config("v2", False))
        started = time.perf_counter()
        background_seconds, up = timed_up(background)
        status, decision = training_state(up)
        after_return = {"trainingStatus": status, "decision": decision}

        resumes = []
        while decision == "pending" and len(resumes) < max_resumes:
            time.sleep(resume_every)
            seconds, up = timed_up(background)
            status, decision = training_state(up)
            resumes.append({"up_seconds": seconds, "trainingStatus": status, "decision": decision})
        until_decided = round(time.perf_counter() - started, 2)
        exp = up.outputs["experiments"].value["exp"]
        serves_new = (
            aws("personalize").describe_campaign(campaignArn=exp["campaignArn"])["campaign"]["solutionVersionArn"]
            == exp["solutionVersionArn"]
        )

        version_arn = blocking_up.outputs["experiments"].value["exp"]["solutionVersionArn"]
        hours = aws("personalize").describe_solution_version(solutionVersionArn=version_arn)["solutionVersion"][
            "trainingHours"
        ]
    finally:
        emulator.stop()
    return {
        "time_scale": scale,
        "first_up_seconds": first,
        "nominal_training_seconds": round(hours * 3600),
        "scaled_training_seconds": round(hours * 3600 * scale, 2),
        "blocking_up_seconds": blocking_seconds,
        "no_wait_up_seconds": background_seconds,
        "no_wait_over_blocking": round(background_seconds / blocking_seconds, 3),
        "after_no_wait_up": after_return,
        "resume_every_seconds": resume_every,
        "extra_ups_until_decided": len(resumes) if decision != "pending" else None,
        "resumes": resumes,
        "no_wait_seconds_until_decided": until_decided,
        "campaign_serves_new_version": serves_new,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--time-scale", type=float, default=0.002, help="part A: 2 h of training in 14.4 s")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--engine-time-scale", type=float, default=0.01, help="part B: default durations")
    parser.add_argument("--resume-every", type=float, default=10.0, help="part B: seconds between resuming ups")
    parser.add_argument("--max-resumes", type=int, default=8)
    parser.add_argument("--skip-a", action="store_true")
    parser.add_argument("--skip-b", action="store_true")
    args = parser.parse_args()

    result = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if not args.skip_a:
            # The providers' progress lines (every tenth poll) would bury the table.
            with contextlib.redirect_stderr(io.StringIO()):
                result["blocking_wait"] = part_a(args.time_scale, args.repeats, tmp)
        if not args.skip_b:
            result["up_without_waiting"] = part_b(args.engine_time_scale, args.resume_every, args.max_resumes, tmp)

    out = ROOT / "bench" / "results" / "training_wait.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    report(result)


def report(result: dict) -> None:
    if "blocking_wait" in result:
        a = result["blocking_wait"]
        print(
            f"A. blocking wait on a {a['training_seconds']} s training, time scale {a['time_scale']} "
            f"(simulated seconds)"
        )
        rows = [(f"run {i}", run) for i, run in enumerate(a["runs"], 1)]
        rows += [(which, {key: value[which] for key, value in a["summary"].items()}) for which in ("mean", "worst")]
        print(f"   {'':>6} {'calls':>6} {'calls/min':>10} {'delay s':>8} {'delay share':>12}")
        for label, row in rows:
            print(
                f"   {label:>6} {row['describe_calls']:>6.1f} {row['calls_per_sim_minute']:>10.3f} "
                f"{row['delay_sim_seconds']:>8.1f} {row['delay_share']:>12.2%}"
            )
        s = a["summary"]
        print(
            f"   goals: calls/min <= 1.0, delay share <= 10%; "
            f"mean calls over a fixed {FIXED_POLL_SECONDS} s poller ({a['fixed_poller_calls']} calls): "
            f"{s['describe_calls']['mean'] / a['fixed_poller_calls']:.2f}"
        )
    if "up_without_waiting" in result:
        b = result["up_without_waiting"]
        print(f"B. `up` to a new dataset version, time scale {b['time_scale']} (wall seconds)")
        print(
            f"   nominal training {b['nominal_training_seconds']} s = {b['scaled_training_seconds']} s here; "
            f"first deployments {b['first_up_seconds']}"
        )
        print(f"   training.wait true:  {b['blocking_up_seconds']:>7} s")
        print(
            f"   training.wait false: {b['no_wait_up_seconds']:>7} s  "
            f"(ratio {b['no_wait_over_blocking']}); then {b['after_no_wait_up']}"
        )
        for i, resume in enumerate(b["resumes"], 1):
            print(f"   resume up {i}: {resume['up_seconds']:>6} s  {resume['trainingStatus']}, {resume['decision']}")
        print(
            f"   extra ups until the promotion was decided (one every ~{b['resume_every_seconds']} s): "
            f"{b['extra_ups_until_decided']}, {b['no_wait_seconds_until_decided']} s after the first; "
            f"campaign serves the new version: {b['campaign_serves_new_version']}"
        )


if __name__ == "__main__":
    main()
