"""prep benchmark: prepare and export N synthetic interactions (default 10 million)
and compare with Polars merely reading and writing the same CSV.

    .venv/bin/python bench/prep_bench.py [--rows N] [--repeat R] [--baseline-only]

(a) the pipeline: prep.pipeline.prepare on a dataset config over the CSV;
(b) the baseline: pl.scan_csv(path).sink_csv(out), the least any CSV-to-CSV
    tool has to do.
Each runs in its own Python process, so each peak RSS is its own; wall times
are measured around the process (interpreter start and imports included, same
for both); each side runs --repeat times and its median run counts. Goal:
(a) / (b) <= 2.0. Writes bench/results/prep.json and prints a
small table."""

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
    from prep.pipeline import prepare

    manifest = prepare(load_config(config_path), "bench", out)
    return {
        "training_rows": manifest["training"].get("rows"),
        "validation_rows": manifest["validation"].get("rows"),
        "output_bytes": sum(f["bytes"] for f in manifest["files"].values()),
    }


def child(mode: str, source: str, out: str) -> None:
    """Runs in the child process: do the work, print what happened as JSON."""
    started = time.perf_counter()
    detail = _child_baseline(source, out) if mode == "baseline" else _child_pipeline(source, out)
    print(
        json.dumps(
            {
                "work_seconds": time.perf_counter() - started,
                # ru_maxrss is in KiB on Linux: the peak resident set of this process.
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                **detail,
            }
        )
    )


# ------------------------------------------------------------------ parent
def run_child(mode: str, source: str, out: str) -> dict:
    if Path(out).is_dir():  # the pipeline refuses to overwrite a version with other content
        shutil.rmtree(out)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, __file__, "--child", mode, source, out], capture_output=True, text=True, cwd=ROOT
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{mode} failed ({done.returncode}):\n{done.stderr[-4000:]}")
    return {"wall_seconds": wall, **json.loads(done.stdout.strip().splitlines()[-1])}


def run_repeated(mode: str, source: str, out: str, repeat: int) -> dict:
    """The median run by wall time (each run a fresh process), with every run's wall time."""
    runs = sorted((run_child(mode, source, out) for _ in range(repeat)), key=lambda r: r["wall_seconds"])
    return {**runs[len(runs) // 2], "runs_wall_seconds": [round(r["wall_seconds"], 3) for r in runs]}


def generate_csv(path: Path, rows: int) -> dict:
    sys.path.insert(0, str(ROOT))
    from prep.synthetic import write_csv

    started = time.perf_counter()
    written = write_csv(str(path), rows)
    seconds = time.perf_counter() - started
    return {"rows": written, "seconds": seconds, "rows_per_second": written / seconds, "bytes": path.stat().st_size}


def table(result: dict) -> str:
    rows = result["rows"]
    lines = [
        f"prep benchmark: {rows:,} interactions ({result['csv_mb']:.0f} MB CSV), polars {result['polars']}",
        f"{'':24}{'wall s':>9}{'work s':>9}{'peak RSS MB':>13}{'rows/s':>13}",
    ]
    for name, key in (("(a) prep pipeline", "pipeline"), ("(b) scan_csv+sink_csv", "baseline")):
        r = result[key]
        lines.append(
            f"{name:24}{r['wall_seconds']:9.2f}{r['work_seconds']:9.2f}{r['peak_rss_mb']:13.0f}"
            f"{r['rows_per_second']:13,.0f}"
        )
    verdict = "met" if result["goal_met"] else "NOT met"
    lines.append(
        f"ratio (a)/(b) wall: {result['ratio_wall']:.2f} (goal <= {GOAL_RATIO}: {verdict}); "
        f"work only: {result['ratio_work']:.2f}; RSS: {result['ratio_rss']:.1f}x"
    )
    lines.append(
        f"generator: {result['generator']['rows_per_second']:,.0f} rows/s ({result['generator']['seconds']:.1f} s)"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000, help="interactions to generate (default 10M)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each side; the median counts (default 3)")
    parser.add_argument("--output", default=str(RESULTS), help="where the JSON goes")
    parser.add_argument("--baseline-only", action="store_true", help="skip the pipeline (b only)")
    parser.add_argument("--child", nargs=3, metavar=("MODE", "SOURCE", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(*args.child)
        return 0

    import polars as pl

    with tempfile.TemporaryDirectory(prefix="prep-bench-") as tmp:
        workdir = Path(tmp)
        csv = workdir / "interactions.csv"
        generator = generate_csv(csv, args.rows)
        config = workdir / "synthetic.yaml"
        config.write_text(CONFIG_TEMPLATE.format(csv=csv))

        baseline = run_repeated("baseline", str(csv), str(workdir / "baseline.csv"), args.repeat)
        pipeline = (
            None
            if args.baseline_only
            else run_repeated("pipeline", str(config), str(workdir / "prepared"), args.repeat)
        )

    for measured in filter(None, (baseline, pipeline)):
        measured["rows_per_second"] = args.rows / measured["wall_seconds"]
    result = {
        "rows": args.rows,
        "repeat": args.repeat,
        "csv_mb": generator["bytes"] / 1e6,
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
            ratio_work=pipeline["work_seconds"] / baseline["work_seconds"],
            ratio_rss=pipeline["peak_rss_mb"] / baseline["peak_rss_mb"],
        )
        result["goal_met"] = result["ratio_wall"] <= GOAL_RATIO
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(result, indent=2) + "\n")
    if pipeline:
        print(table(result))
    else:
        b = baseline
        print(f"baseline only: {args.rows:,} rows, {b['wall_seconds']:.2f} s wall, {b['peak_rss_mb']:.0f} MB peak RSS")
    print(f"wrote {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
