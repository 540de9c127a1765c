"""personalize-local benchmark: request rates through boto3, the real work's
wall time per million interactions, and the emulator's peak RSS.

    .venv/bin/python bench/emulator_bench.py [--interactions N] [--seconds S]

Writes bench/results/emulator.json and prints a small table."""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import boto3
import numpy as np
from botocore.config import Config

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo root, for tests.helpers
from tests.helpers.roles import personalize_role

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "emulator.json"
SCHEMA = json.dumps(
    {
        "type": "record",
        "name": "Interactions",
        "namespace": "com.amazonaws.personalize.schema",
        "version": "1.0",
        "fields": [
            {"name": "USER_ID", "type": "string"},
            {"name": "ITEM_ID", "type": "string"},
            {"name": "TIMESTAMP", "type": "long"},
        ],
    }
)


def synthetic_csv(rows: int, seed: int = 1) -> bytes:
    """Zipf-ish items, users with at least two interactions each."""
    rng = np.random.default_rng(seed)
    users, items = max(rows // 20, 30), max(rows // 50, 50)
    popularity = 1.0 / np.arange(1, items + 1) ** 1.05
    item_ids = rng.choice(items, size=rows, p=popularity / popularity.sum())
    user_ids = np.concatenate([np.repeat(np.arange(users), 2), rng.integers(0, users, rows - 2 * users)])
    stamps = np.sort(rng.integers(1_700_000_000, 1_700_000_000 + 90 * 86400, rows))
    lines = [f"u{u},i{i},{t}" for u, i, t in zip(user_ids, item_ids, stamps)]
    return ("USER_ID,ITEM_ID,TIMESTAMP\n" + "\n".join(lines) + "\n").encode()


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def rate(call, seconds: float) -> float:
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        call()
        count += 1
    return count / (time.perf_counter() - start)


def timed(call) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--interactions", type=int, default=200_000)
    parser.add_argument("--seconds", type=float, default=3.0, help="per request-rate measurement")
    args = parser.parse_args()
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench")

    state = tempfile.mkdtemp(prefix="personalize-local-bench-")
    process = subprocess.Popen(
        [sys.executable, "-m", "local", "--port", "0", "--state-dir", state, "--time-scale", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        endpoint = process.stdout.readline().rsplit(" ", 1)[1].strip()
        config = Config(s3={"addressing_style": "path"}, retries={"total_max_attempts": 1})
        client = lambda s: boto3.client(s, endpoint_url=endpoint, region_name="us-east-1", config=config)
        s3, p = client("s3"), client("personalize")

        csv = synthetic_csv(args.interactions)
        s3.create_bucket(Bucket="bench")
        s3.put_object(Bucket="bench", Key="interactions.csv", Body=csv)
        group = p.create_dataset_group(name="bench")["datasetGroupArn"]
        schema = p.create_schema(name="bench", schema=SCHEMA)["schemaArn"]
        dataset = p.create_dataset(name="bench", schemaArn=schema, datasetGroupArn=group, datasetType="Interactions")[
            "datasetArn"
        ]
        role = personalize_role(client("iam"), s3, "bench", "bench")
        job = p.create_dataset_import_job(
            jobName="bench",
            datasetArn=dataset,
            roleArn=role,
            dataSource={"dataLocation": "s3://bench/interactions.csv"},
        )
        # At time scale 0 an operation is due at once; the first read does the real work.
        import_s = timed(lambda: p.describe_dataset_import_job(datasetImportJobArn=job["datasetImportJobArn"]))
        assert (
            p.describe_dataset_import_job(datasetImportJobArn=job["datasetImportJobArn"])["datasetImportJob"]["status"]
            == "ACTIVE"
        )
        solution = p.create_solution(name="bench", datasetGroupArn=group)["solutionArn"]
        version = p.create_solution_version(solutionArn=solution)["solutionVersionArn"]
        train_s = timed(lambda: p.describe_solution_version(solutionVersionArn=version))
        status = p.describe_solution_version(solutionVersionArn=version)["solutionVersion"]
        assert status["status"] == "ACTIVE", status
        campaign = p.create_campaign(name="bench", solutionVersionArn=version)["campaignArn"]
        recommend = client("personalize-runtime")

        s3.put_object(Bucket="bench", Key="small", Body=b"x" * 1024)
        for _ in range(20):  # warm connections and botocore's caches before measuring
            p.describe_dataset_group(datasetGroupArn=group)
            p.describe_campaign(campaignArn=campaign)
            recommend.get_recommendations(campaignArn=campaign, userId="u1")
            s3.get_object(Bucket="bench", Key="small")["Body"].read()
        rates = {
            "DescribeDatasetGroup": rate(lambda: p.describe_dataset_group(datasetGroupArn=group), args.seconds),
            "DescribeCampaign": rate(lambda: p.describe_campaign(campaignArn=campaign), args.seconds),
            "GetRecommendations": rate(
                lambda: recommend.get_recommendations(campaignArn=campaign, userId="u1"), args.seconds
            ),
            "S3 PutObject+GetObject (moto baseline)": rate(
                lambda: (
                    s3.put_object(Bucket="bench", Key="small", Body=b"x" * 1024),
                    s3.get_object(Bucket="bench", Key="small")["Body"].read(),
                ),
                args.seconds,
            )
            * 2,
        }
        baseline = rates["S3 PutObject+GetObject (moto baseline)"]
        per_million = 1_000_000 / args.interactions
        results = {
            "interactions": args.interactions,
            "requests_per_second": {k: round(v, 1) for k, v in rates.items()},
            "ratio_to_moto_s3": {k: round(v / baseline, 2) for k, v in rates.items() if "moto" not in k},
            "import_seconds": round(import_s, 3),
            "training_seconds": round(train_s, 3),
            "import_seconds_per_million": round(import_s * per_million, 2),
            "training_seconds_per_million": round(train_s * per_million, 2),
            "peak_rss_mb": round(peak_rss_mb(process.pid), 1),
        }
    finally:
        process.terminate()
        process.wait(timeout=30)

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"{'measure':<44}{'value':>12}")
    for name, value in results["requests_per_second"].items():
        print(f"{name + ' req/s':<44}{value:>12.1f}")
    for name, value in results["ratio_to_moto_s3"].items():
        print(f"{name + ' / moto S3':<44}{value:>12.2f}")
    for key in ("import_seconds_per_million", "training_seconds_per_million", "peak_rss_mb"):
        print(f"{key:<44}{results[key]:>12}")
    print(f"({args.interactions} interactions; JSON in {RESULTS.relative_to(ROOT)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
