"""What a no-change `preview` of the program costs over the engine's own.

Deploys a stack of N experiments through the real engine against
personalize-local, then times a preview that finds nothing to do, against the
same preview of a program of as many no-op dynamic resources (the records
fixture, each a JSON file), deployed in the same run. Reports the median of
several previews of each, taken in turns (wall seconds, goal: at most 1.3x,
and the CPU seconds of the CLI and every process it started, which a busy
machine disturbs less, and those of each Python process it starts: the
program, the provider, the language host's package checks; bench/process_cpu),
and the Personalize calls the emulator saw during the
program's previews (goal: none; it counts every Personalize operation it
serves).

    .venv/bin/python bench/preview_bench.py [--experiments 2] [--repeats 5]
"""

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import boto3

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.providers_bench import export_v1, stats  # noqa: E402
from tests.helpers.engine import MAIN_PROGRAM, RECORDS_PROGRAM, cli_dir, isolated_env, stack_factory  # noqa: E402
from tests.helpers.loopback import use_loopback_credentials  # noqa: E402
from tests.helpers.roles import personalize_role  # noqa: E402

use_loopback_credentials()

DYNAMIC = "pulumi-python:dynamic"  # a dynamic resource's type: pulumi-python:dynamic[/module]:Name


def deployed(program, config: dict, work: Path):
    from pulumi import automation as auto

    work.mkdir(parents=True)
    env = isolated_env(work)
    # A user's checkout keeps the bytecode Python writes on the first run: with
    # PYTHONDONTWRITEBYTECODE inherited (this machine's shells set it), every
    # preview would compile the copied program's modules again, in the program
    # and in the provider process (~60 modules each), which no user pays. An
    # empty value is unset for Python.
    env["PYTHONDONTWRITEBYTECODE"] = ""
    # Each process's CPU seconds (bench/process_cpu), when PREVIEW_BENCH_CPU_DIR is set.
    env["PYTHONPATH"] = str(ROOT / "bench" / "process_cpu")
    make, _ = stack_factory(program, work, env, auto.PulumiCommand(root=str(cli_dir().parent)))
    stack = make("bench", config)
    stack.up()
    resources = stack.export_stack().deployment["resources"]
    return stack, sum(1 for r in resources if r["type"].startswith(DYNAMIC))


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_preview(stack, cpu: list[float] | None = None, processes: dict | None = None) -> float:
    """The preview's wall seconds; its CPU seconds appended to cpu, and those of
    each kind of Python process (program, provider, other) to processes."""
    with tempfile.TemporaryDirectory() as written:
        stack.workspace.env_vars["PREVIEW_BENCH_CPU_DIR"] = written if processes is not None else ""
        start, start_cpu = time.perf_counter(), _children_cpu()
        result = stack.preview()
        elapsed = time.perf_counter() - start
        if cpu is not None:
            cpu.append(_children_cpu() - start_cpu)
        if processes is not None:
            per_kind = dict.fromkeys(("program", "provider", "other"), 0.0)
            for path in Path(written).iterdir():
                kind, seconds = path.read_text().split()
                per_kind[kind] += float(seconds)
            for kind, seconds in per_kind.items():
                processes.setdefault(kind, []).append(seconds)
    changes = {op: n for op, n in result.change_summary.items() if op != "same"}
    if changes:
        raise SystemExit(f"the preview was to find nothing to do, and plans {changes}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--experiments", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--program", default=None, help="another checkout's program (e.g. a release's), to compare in its own entry"
    )
    args = parser.parse_args()

    import local

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        emulator = local.start(str(tmp / "emulator"), port=0, time_scale=0.001)
        try:
            aws = lambda service: boto3.client(service, endpoint_url=emulator.endpoint, region_name="us-east-1")
            aws("s3").create_bucket(Bucket="bench")
            export_v1(tmp, emulator.endpoint)
            role = personalize_role(aws("iam"), aws("s3"), "bench", "bench")
            config = {
                "connection": {"region": "us-east-1", "endpoint": emulator.endpoint},
                "storage": {"bucketName": "bench", "roleArn": role},
                "waits": {"initialPollSeconds": 0.05, "maxPollSeconds": 1},
                "experiments": [
                    {"name": f"exp{i}", "recipe": "aws-popularity-count", "datasetVersion": "v1"}
                    for i in range(args.experiments)
                ],
            }
            source = (Path(args.program), MAIN_PROGRAM[1]) if args.program else MAIN_PROGRAM
            program, resources = deployed(source, config, tmp / "stack")
            records = {"store": str(tmp / "records"), "records": {f"r{i}": {} for i in range(resources)}}
            baseline, baseline_resources = deployed(RECORDS_PROGRAM, records, tmp / "baseline")
            assert baseline_resources == resources
            timed_preview(program), timed_preview(baseline)  # warm both (plugin caches, .pyc)
            before = stats(emulator.endpoint)
            times: dict[str, list[float]] = {"program": [], "baseline": []}
            cpu: dict[str, list[float]] = {"program": [], "baseline": []}
            processes: dict[str, dict[str, list[float]]] = {"program": {}, "baseline": {}}
            for _ in range(args.repeats):
                times["program"].append(timed_preview(program, cpu["program"], processes["program"]))
                times["baseline"].append(timed_preview(baseline, cpu["baseline"], processes["baseline"]))
            after = stats(emulator.endpoint)
        finally:
            emulator.stop()

    calls = {op: after[op] - before.get(op, 0) for op in after if after[op] != before.get(op, 0)}
    median = {name: statistics.median(values) for name, values in times.items()}
    median_cpu = {name: statistics.median(values) for name, values in cpu.items()}
    result = {
        "experiments": args.experiments,
        "program": args.program or "this checkout",
        "dynamic_resources": resources,
        "repeats": args.repeats,
        "preview_seconds": round(median["program"], 3),
        "baseline_preview_seconds": round(median["baseline"], 3),
        "preview_over_baseline": round(median["program"] / median["baseline"], 3),
        "spread_seconds": {name: [round(min(v), 3), round(max(v), 3)] for name, v in times.items()},
        "cpu_seconds": round(median_cpu["program"], 3),
        "baseline_cpu_seconds": round(median_cpu["baseline"], 3),
        "cpu_over_baseline": round(median_cpu["program"] / median_cpu["baseline"], 3),
        # Medians of each kind of Python process's CPU seconds (the CLI's own are the rest).
        "process_cpu_seconds": {
            name: {kind: round(statistics.median(v), 3) for kind, v in kinds.items()}
            for name, kinds in processes.items()
        },
        "load_average_1m": round(os.getloadavg()[0], 2),
        "cores": os.cpu_count(),
        "personalize_calls_during_previews": calls,
    }
    out = ROOT / "bench" / "results" / "preview.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    previous = json.loads(out.read_text()) if out.exists() else {}
    runs = previous.get("runs", {}) if isinstance(previous, dict) else {}
    runs[f"{args.experiments} ({args.program})" if args.program else str(args.experiments)] = result
    out.write_text(json.dumps({"runs": runs}, indent=2))
    for key, value in result.items():
        print(f"{key:36} {value}")


if __name__ == "__main__":
    main()
