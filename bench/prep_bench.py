"""prep benchmark: prepare and export N synthetic interactions (default 10 million)
and compare with Polars merely reading and writing the same CSV.

    .venv/bin/python bench/prep_bench.py --rows 10000000      # bench/results/prep.json
    .venv/bin/python bench/prep_bench.py --large              # 100M rows, 4 GiB budget: prep-100m.json
    .venv/bin/python bench/prep_bench.py [--rows N] [--repeat R] [--memory-budget 4GiB] [--baseline-only]

(a) the pipeline: prep.pipeline.prepare on a dataset config over the CSV;
(b) the baseline: pl.scan_csv(path).sink_csv(out), the least any CSV-to-CSV
    tool has to do.
Each runs in its own Python process, so each peak RSS is its own; wall times
are measured around the process (interpreter start and imports included, same
for both). The two sides take turns, --repeat runs each, so a busy machine
slows both alike; the median run of each counts and the spread of the ratio
over the pairs of runs is reported, with each side's CPU seconds (user + system,
which time stolen by other work does not inflate). --memory-budget sets the
pipeline's PREP_MEMORY_BUDGET_BYTES (the interactions then go through in parts
by user when they would not fit it). Goal: (a) / (b) <= 2.0 in wall time and
in peak RSS. Writes bench/results/prep.json (or --output) and prints a small table.
The generated data is deleted afterwards."""

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "prep.json"
GOAL_RATIO = 2.0
LARGE = {
    "rows": 100_000_000,
    "memory_budget": "4GiB",
    "repeat": 1,
    "output": ROOT / "bench" / "results" / "prep-100m.json",
}
UNITS = {"": 1, "b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "kib": 2**10, "mib": 2**20, "gib": 2**30}

CONFIG_TEMPLATE = """\
name: synthetic
interactions:
  sources:
    - {{kind: csv, path: {csv}}}
  mapping:
    USER_ID: {{column: user_id}}
    ITEM_ID: {{column: item_id}}
    EVENT_TYPE: {{column: event_type}}
    EVENT_VALUE: {{column: event_value}}
    TIMESTAMP: {{column: timestamp}}
window: {{days: 365}}
holdout: {{days: 14}}
"""


# ------------------------------------------------------------------ children
def _child_baseline(csv: str, out: str) -> dict:
    import polars as pl

    pl.scan_csv(csv).sink_csv(out)
    return {"output_bytes": Path(out).stat().st_size}


def _child_pipeline(config_path: str, out: str) -> dict:
    sys.path.insert(0, str(ROOT))
    from prep.config import load_config
    from prep.pipeline import parts_needed, prepare

    config = load_config(config_path)
    parts = parts_needed(config.interactions, Path(tempfile.mkdtemp()))  # nothing downloaded
    manifest = prepare(config, "bench", out)
    return {
        "parts": parts,
        "training_rows": manifest["training"].get("rows"),
        "validation_rows": manifest["validation"].get("rows"),
        "training_digest": manifest["training"].get("rows_digest"),
        "validation_digest": manifest["validation"].get("rows_digest"),
        "output_bytes": sum(f["bytes"] for f in manifest["files"].values()),
    }


def child(mode: str, source: str, out: str) -> None:
    """Runs in the child process: do the work, print what happened as JSON."""
    started = time.perf_counter()
    detail = _child_baseline(source, out) if mode == "baseline" else _child_pipeline(source, out)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(
        json.dumps(
            {
                "work_seconds": time.perf_counter() - started,
                # ru_maxrss is in KiB on Linux: the peak resident set of this process.
                "peak_rss_mb": usage.ru_maxrss / 1024,
                "cpu_seconds": usage.ru_utime + usage.ru_stime,
                **detail,
            }
        )
    )


# ------------------------------------------------------------------ parent
def run_child(mode: str, source: str, out: str, env: dict | None = None) -> dict:
    if Path(out).is_dir():  # the pipeline refuses to overwrite a version with other content
        shutil.rmtree(out)
    Path(out).unlink(missing_ok=True)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, __file__, "--child", mode, source, out],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{mode} failed ({done.returncode}):\n{done.stderr[-4000:]}")
    return {"wall_seconds": wall, **json.loads(done.stdout.strip().splitlines()[-1])}


def run_turns(sides: dict[str, tuple[str, str, dict]], repeat: int) -> dict[str, list[dict]]:
    """Every side once per round, `repeat` rounds: a busy spell slows both sides alike."""
    runs: dict[str, list[dict]] = {name: [] for name in sides}
    for round_ in range(repeat):
        for name, (source, out, env) in sides.items():
            run = run_child(name, source, out, env)
            runs[name].append(run)
            print(f"  round {round_ + 1}/{repeat} {name}: {run['wall_seconds']:.2f} s wall", file=sys.stderr)
    return runs


def median_run(runs: list[dict]) -> dict:
    """The median run by wall time (each run a fresh process), with every run's wall time."""
    ordered = sorted(runs, key=lambda r: r["wall_seconds"])
    return {**ordered[len(ordered) // 2], "runs_wall_seconds": [round(r["wall_seconds"], 3) for r in runs]}


def parse_bytes(text: str) -> int:
    """'4GiB', '4000000000', '512MB' as bytes."""
    number = text.strip().rstrip("BbIiKkMmGg")
    unit = text.strip()[len(number) :].lower()
    if unit not in UNITS or not number.replace(".", "", 1).isdigit():
        raise argparse.ArgumentTypeError(
            f"--memory-budget has value {text!r}; allowed: bytes, e.g. 4GiB, 512MB, 4000000000"
        )
    return int(float(number) * UNITS[unit])


def generate_csv(path: Path, rows: int) -> dict:
    sys.path.insert(0, str(ROOT))
    from prep.synthetic import write_csv

    started = time.perf_counter()
    written = write_csv(str(path), rows)
    seconds = time.perf_counter() - started
    return {"rows": written, "seconds": seconds, "rows_per_second": written / seconds, "bytes": path.stat().st_size}


def write_config(workdir: Path, csv: Path) -> Path:
    """The dataset config of the synthetic CSV, as `prep --config` takes it."""
    config = workdir / "synthetic.yaml"
    config.write_text(CONFIG_TEMPLATE.format(csv=csv))
    return config


def synthetic_inputs(workdir: Path, rows: int) -> tuple[Path, Path, dict]:
    """`rows` synthetic interactions in workdir, their config, and how the generator did."""
    csv = workdir / "interactions.csv"
    generator = generate_csv(csv, rows)
    return csv, write_config(workdir, csv), generator


def table(result: dict) -> str:
    rows = result["rows"]
    budget = f", memory budget {result['memory_budget_bytes'] / 2**30:.1f} GiB" if result["memory_budget_bytes"] else ""
    lines = [
        f"prep benchmark: {rows:,} interactions ({result['csv_mb']:.0f} MB CSV), polars {result['polars']}, "
        f"{result['cpus']} CPUs{budget}",
        f"{'':24}{'wall s':>9}{'work s':>9}{'CPU s':>9}{'peak RSS MB':>13}{'rows/s':>13}",
    ]
    for name, key in (("(a) prep pipeline", "pipeline"), ("(b) scan_csv+sink_csv", "baseline")):
        r = result[key]
        lines.append(
            f"{name:24}{r['wall_seconds']:9.2f}{r['work_seconds']:9.2f}{r['cpu_seconds']:9.2f}{r['peak_rss_mb']:13.0f}"
            f"{r['rows_per_second']:13,.0f}"
        )
    verdict = "met" if result["goal_met"] else "NOT met"
    spread = result["ratio_wall_runs"]
    lines.append(
        f"ratio (a)/(b) wall: {result['ratio_wall']:.2f} (runs {min(spread):.2f}-{max(spread):.2f}); "
        f"CPU: {result['ratio_cpu']:.2f}; peak RSS: {result['ratio_rss']:.2f} "
        f"(goal <= {GOAL_RATIO} for wall and RSS: {verdict})"
    )
    lines.append(f"pipeline: {result['pipeline']['parts']} part(s)")
    lines.append(
        f"generator: {result['generator']['rows_per_second']:,.0f} rows/s ({result['generator']['seconds']:.1f} s)"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000, help="interactions to generate (default 10M)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each side; the median counts (default 3)")
    parser.add_argument("--memory-budget", type=parse_bytes, help="the pipeline's PREP_MEMORY_BUDGET_BYTES, e.g. 4GiB")
    parser.add_argument("--large", action="store_true", help="100M rows in a 4 GiB budget, once: prep-100m.json")
    parser.add_argument("--output", help="where the JSON goes (default bench/results/prep.json)")
    parser.add_argument("--baseline-only", action="store_true", help="skip the pipeline (b only)")
    parser.add_argument("--child", nargs=3, metavar=("MODE", "SOURCE", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(*args.child)
        return 0
    if args.large:
        args.rows, args.repeat = LARGE["rows"], LARGE["repeat"]
        args.memory_budget = args.memory_budget or parse_bytes(str(LARGE["memory_budget"]))
        args.output = args.output or LARGE["output"]

    import polars as pl

    env = {"PREP_MEMORY_BUDGET_BYTES": str(args.memory_budget)} if args.memory_budget else {}
    with tempfile.TemporaryDirectory(prefix="prep-bench-") as tmp:
        workdir = Path(tmp)
        csv, config, generator = synthetic_inputs(workdir, args.rows)
        sides = {"baseline": (str(csv), str(workdir / "baseline.csv"), {})}
        if not args.baseline_only:
            sides["pipeline"] = (str(config), str(workdir / "prepared"), env)
        runs = run_turns(sides, args.repeat)

    baseline = median_run(runs["baseline"])
    pipeline = median_run(runs["pipeline"]) if "pipeline" in runs else None
    for measured in filter(None, (baseline, pipeline)):
        measured["rows_per_second"] = args.rows / measured["wall_seconds"]
    result = {
        "rows": args.rows,
        "repeat": args.repeat,
        "csv_mb": generator["bytes"] / 1e6,
        "memory_budget_bytes": args.memory_budget,
        "polars": pl.__version__,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "generator": generator,
        "baseline": baseline,
        "pipeline": pipeline,
        "goal_ratio": GOAL_RATIO,
    }
    if pipeline:
        result.update(
            ratio_wall=pipeline["wall_seconds"] / baseline["wall_seconds"],
            ratio_wall_runs=[
                round(p["wall_seconds"] / b["wall_seconds"], 3) for p, b in zip(runs["pipeline"], runs["baseline"])
            ],
            ratio_work=pipeline["work_seconds"] / baseline["work_seconds"],
            ratio_cpu=pipeline["cpu_seconds"] / baseline["cpu_seconds"],
            ratio_rss=pipeline["peak_rss_mb"] / baseline["peak_rss_mb"],
        )
        result["goal_met"] = result["ratio_wall"] <= GOAL_RATIO and result["ratio_rss"] <= GOAL_RATIO
        if args.memory_budget:
            result["within_memory_budget"] = pipeline["peak_rss_mb"] * 2**20 <= args.memory_budget
    output = Path(args.output or RESULTS)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(result, indent=2) + "\n")
    if pipeline:
        print(table(result))
        if args.memory_budget:
            verdict = "within" if result["within_memory_budget"] else "OVER"
            print(
                f"peak RSS {pipeline['peak_rss_mb']:.0f} MB: {verdict} the {args.memory_budget / 2**20:.0f} MB budget"
            )
    else:
        b = baseline
        print(f"baseline only: {args.rows:,} rows, {b['wall_seconds']:.2f} s wall, {b['peak_rss_mb']:.0f} MB peak RSS")
    print(f"wrote {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
