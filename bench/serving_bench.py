"""serving benchmark: the user check of `python -m serving recommend` on a dataset
version of N synthetic interactions (default 10 million), before and after the
user index, on the emulator's S3.

    .venv/bin/python bench/serving_bench.py [--rows N] [--repeat R] [--port P] [--csv FILE]

prep exports the version to the emulator (python -m local, started here), with
its user index; a copy of it without the index stands for a version exported
by an earlier release. Then, each --repeat times (the median counts):

(a) before: the previous release's check (serving/users.py at BASELINE_COMMIT,
    loaded from git), which downloads the whole training interactions;
(b) after, first call on a machine: the manifest, the index's directory and
    one block (an empty cache each time);
(c) after, any later call: the manifest only (directory and block cached);
(d) a version without index, first call: read whole and the index built and
    cached (the fallback), and (e) its later calls.

Every S3 call is counted, and the bytes read, with a botocore event hook. The
checked user is a known one (the worst case for a lookup: it reads a block).
Writes bench/results/serving.json and prints a table; the figure is (a)/(b)
and (a)/(c) in wall time and bytes."""

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import types
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results" / "serving.json"
sys.path.insert(0, str(ROOT / "bench"))
from prep_bench import write_config  # noqa: E402  (the same data and config as prep's)

# The release before the user index: its serving/users.py is the "before".
BASELINE_COMMIT = "7549fc4"
VERSION, OLD_VERSION, BUCKET = "bench", "bench-old", "bench"


def baseline_module():
    """serving/users.py as the previous release had it, from git."""
    source = subprocess.run(
        ["git", "show", f"{BASELINE_COMMIT}:serving/users.py"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    module = types.ModuleType("baseline_users")
    exec(compile(source, f"{BASELINE_COMMIT}:serving/users.py", "exec"), module.__dict__)
    return module


def counted_outputs(endpoint: str):
    from serving.outputs import StackOutputs

    class Counted(StackOutputs):
        """Stack outputs whose S3 clients count calls and the bytes of their bodies."""

        def __init__(self):
            super().__init__(
                "bench",
                {
                    "bucket": BUCKET,
                    "connection": {"region": "us-east-1", "endpoint": endpoint},
                    "experiments": {
                        name: {"datasetVersion": version, "campaignArn": f"arn:aws:personalize:::campaign/{name}"}
                        for name, version in (("after", VERSION), ("old", OLD_VERSION))
                    },
                },
            )
            self.calls, self.bytes = 0, 0

        def client(self, service: str):
            made = super().client(service)
            made.meta.events.register(f"after-call.{service}", self._count)
            return made

        def _count(self, parsed, **_):
            self.calls += 1
            self.bytes += int(parsed.get("ContentLength") or 0) if "Body" in parsed else 0

    return Counted()


def measure(outputs, check, repeat: int, before_each=None) -> dict:
    """The median of `repeat` calls of check(), with the S3 calls and bytes of the last."""
    seconds = []
    for _ in range(repeat):
        if before_each:
            before_each()
        outputs.calls = outputs.bytes = 0
        started = time.perf_counter()
        check()
        seconds.append(time.perf_counter() - started)
    return {
        "seconds": statistics.median(seconds),
        "runs_seconds": [round(s, 4) for s in seconds],
        "s3_calls": outputs.calls,
        "bytes_read": outputs.bytes,
    }


def start_emulator(port: int, state: str):
    process = subprocess.Popen(
        [sys.executable, "-m", "local", "--port", str(port), "--state-dir", state, "--time-scale", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    line = process.stdout.readline() if process.stdout else ""
    if not line:
        process.kill()
        raise SystemExit(f"the emulator did not start on port {port}")
    return process, line.rsplit(" ", 1)[1].strip()


def export_versions(endpoint: str, csv: Path, workdir: Path) -> dict:
    """The version with its index, by prep; the same without, as an earlier release left it."""
    import boto3

    from prep.config import load_config
    from prep.pipeline import prepare

    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    s3.create_bucket(Bucket=BUCKET)
    config = write_config(workdir, csv)
    started = time.perf_counter()
    manifest = prepare(load_config(str(config)), VERSION, f"s3://{BUCKET}", s3_endpoint=endpoint)
    prep_seconds = time.perf_counter() - started
    for name in manifest["files"]:
        if name != "user-index.bin":
            # Down and up again, not CopyObject: moto's copy of a multipart object keeps a
            # checksum its body does not match, which botocore then refuses.
            local = workdir / "copy"
            s3.download_file(BUCKET, f"datasets/{VERSION}/{name}", str(local))
            s3.upload_file(str(local), BUCKET, f"datasets/{OLD_VERSION}/{name}")
            local.unlink()
    old = {k: v for k, v in manifest.items() if k not in ("user_index", "location")}
    old["files"] = {k: v for k, v in manifest["files"].items() if k != "user-index.bin"}
    s3.put_object(Bucket=BUCKET, Key=f"datasets/{OLD_VERSION}/manifest.json", Body=json.dumps(old).encode())
    return {"manifest": manifest, "prep_seconds": prep_seconds}


def index_write_seconds(training_csv_users, repeat: int) -> float:
    """What writing the index adds to prep, on the training users it holds in memory."""
    from prep.user_index import write_user_index

    times = []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as tmp:
            started = time.perf_counter()
            write_user_index([training_csv_users], Path(tmp))
            times.append(time.perf_counter() - started)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000, help="interactions to generate (default 10M)")
    parser.add_argument("--repeat", type=int, default=5, help="calls of each kind; the median counts (default 5)")
    parser.add_argument("--port", type=int, default=4740, help="the emulator's port (default 4740)")
    parser.add_argument("--csv", help="a synthetic CSV already generated with --rows rows (skips generating)")
    parser.add_argument("--output", default=str(RESULTS), help="where the JSON goes")
    args = parser.parse_args(argv)
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1")

    import polars as pl

    from serving import users

    workdir = Path(tempfile.mkdtemp(prefix="serving-bench-"))
    process = None
    try:
        csv = Path(args.csv) if args.csv else workdir / "raw.csv"
        if not args.csv:
            from prep.synthetic import write_csv

            write_csv(str(csv), args.rows)
        process, endpoint = start_emulator(args.port, str(workdir / "state"))
        exported = export_versions(endpoint, csv, workdir)
        manifest = exported["manifest"]

        outputs = counted_outputs(endpoint)
        s3 = outputs.client("s3")
        training = s3.get_object(Bucket=BUCKET, Key=f"datasets/{VERSION}/interactions.csv")["Body"].read()
        training_users = pl.read_csv(training, columns=["USER_ID"], infer_schema=False)["USER_ID"]
        del training
        user = training_users[len(training_users) // 2]
        training_users = training_users.unique()
        after, old = outputs.experiment("after"), outputs.experiment("old")
        baseline = baseline_module()
        cache_root = workdir / "cache"

        def fresh_cache():
            shutil.rmtree(cache_root, ignore_errors=True)

        def check(module, experiment, **kwargs):
            def run():
                assert module.unknown_users(outputs, experiment, [user], **kwargs) == []

            return run

        cache = users.Cache(cache_root)
        quiet = {"cache": cache, "note": lambda message: None}
        measured = {
            "before": measure(outputs, check(baseline, after), args.repeat),
            "after_first_call": measure(outputs, check(users, after, **quiet), args.repeat, fresh_cache),
            "after_later_calls": measure(outputs, check(users, after, **quiet), args.repeat),
            "old_version_first_call": measure(outputs, check(users, old, **quiet), args.repeat, fresh_cache),
            "old_version_later_calls": measure(outputs, check(users, old, **quiet), args.repeat),
        }
        # An unknown id is refused by the same reads.
        assert users.unknown_users(outputs, after, ["no-such-user"], **quiet) == ["no-such-user"]
        write_seconds = index_write_seconds(training_users, args.repeat)
    finally:
        if process:
            process.terminate()
            process.wait(timeout=30)
        shutil.rmtree(workdir, ignore_errors=True)

    before = measured["before"]
    result = {
        "rows": args.rows,
        "repeat": args.repeat,
        "training_rows": manifest["training"]["rows"],
        "training_users": manifest["user_index"]["users"],
        "interactions_bytes": manifest["files"]["interactions.csv"]["bytes"],
        "index_bytes": manifest["files"]["user-index.bin"]["bytes"],
        "index_blocks": manifest["user_index"]["blocks"],
        "prep_seconds_to_the_emulator": round(exported["prep_seconds"], 2),
        "index_write_seconds_in_prep": round(write_seconds, 3),
        "baseline": f"serving/users.py at {BASELINE_COMMIT}",
        "polars": pl.__version__,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        **measured,
        "ratio_wall_first_call": before["seconds"] / measured["after_first_call"]["seconds"],
        "ratio_wall_later_calls": before["seconds"] / measured["after_later_calls"]["seconds"],
        "ratio_bytes_first_call": before["bytes_read"] / measured["after_first_call"]["bytes_read"],
        "ratio_bytes_later_calls": before["bytes_read"] / measured["after_later_calls"]["bytes_read"],
    }
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(result, indent=2) + "\n")
    print(table(result))
    print(f"wrote {output}")
    return 0


def table(result: dict) -> str:
    lines = [
        f"serving benchmark: the user check on {result['training_rows']:,} training interactions "
        f"({result['interactions_bytes'] / 1e6:,.0f} MB, {result['training_users']:,} users; "
        f"index {result['index_bytes'] / 1e6:.1f} MB in {result['index_blocks']} blocks), {result['cpus']} cores",
        f"{'':34}{'median s':>10}{'S3 calls':>10}{'bytes read':>14}",
    ]
    for key, label in (
        ("before", "(a) before: whole download"),
        ("after_first_call", "(b) index, first call"),
        ("after_later_calls", "(c) index, later calls"),
        ("old_version_first_call", "(d) no index, first call"),
        ("old_version_later_calls", "(e) no index, later calls"),
    ):
        r = result[key]
        lines.append(f"{label:34}{r['seconds']:10.3f}{r['s3_calls']:10}{r['bytes_read']:14,}")
    lines.append(
        f"ratio (a)/(b): {result['ratio_wall_first_call']:,.0f}x wall, {result['ratio_bytes_first_call']:,.0f}x bytes; "
        f"(a)/(c): {result['ratio_wall_later_calls']:,.0f}x wall, {result['ratio_bytes_later_calls']:,.0f}x bytes"
    )
    lines.append(f"writing the index in prep: {result['index_write_seconds_in_prep']:.2f} s")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
