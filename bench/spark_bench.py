"""spark benchmark: the same dataset config over N synthetic interactions (default
10 million) prepared by the spark engine on local Spark and by the Polars
engine, on this machine; the two versions must be the same.

    .venv/bin/python bench/spark_bench.py [--rows N] [--repeat R] [--master local[2]]

(a) the spark engine: SparkEngine(local Spark).prepare, in its own process
    (JVM start and session included in the wall time, and reported apart);
(b) the baseline: prep.pipeline.prepare (the Polars engine) on the same file.
Each side runs --repeat times in fresh processes; the median run counts. The
figure is (a) / (b) of wall time. Both runs' row digests must agree, or the
benchmark fails. Writes bench/results/spark.json and prints a small table.
There is no goal: local Spark on one machine is not what the engine is for
(it is for data past one machine); the figure says what it costs here."""

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
RESULTS = ROOT / "bench" / "results" / "spark.json"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from prep_bench import synthetic_inputs  # noqa: E402  (the same data and config as prep's)


def _child(mode: str, config_path: str, out: str, master: str) -> None:
    from prep.config import load_config
    from prep.pipeline import prepare

    started = time.perf_counter()
    session_seconds, jvm_peak_mb = 0.0, 0.0
    if mode == "spark":
        from prep.spark import SparkEngine, session

        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        from pyspark.sql import SparkSession

        spark = (
            SparkSession.builder.master(master)
            .appName("prep-bench")
            .config("spark.ui.enabled", "false")
            .config("spark.driver.memory", "6g")
            .config("spark.sql.shuffle.partitions", "16")
            .config("spark.sql.execution.arrow.maxRecordsPerBatch", "100000")
            .getOrCreate()
        )
        spark = session(master)  # the engine's settings on the same session
        session_seconds = time.perf_counter() - started
        manifest = SparkEngine(spark).prepare(load_config(config_path), "bench", out)
        # The JVM's peak resident set (VmHWM); the Python workers' are not counted.
        status = Path(f"/proc/{spark.sparkContext._gateway.proc.pid}/status").read_text()
        jvm_peak_mb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM")) / 1024
    else:
        manifest = prepare(load_config(config_path), "bench", out)
    work = time.perf_counter() - started
    print(
        json.dumps(
            {
                "work_seconds": work,
                "session_seconds": session_seconds,
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "jvm_peak_rss_mb": jvm_peak_mb,
                "training": manifest["training"],
                "validation": manifest["validation"],
                "engine": manifest["engine"],
            }
        )
    )


def run_child(mode: str, config: str, out: str, master: str) -> dict:
    if Path(out).is_dir():
        shutil.rmtree(out)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, __file__, "--child", mode, config, out, master], capture_output=True, text=True, cwd=ROOT
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{mode} failed ({done.returncode}):\n{done.stderr[-4000:]}")
    return {"wall_seconds": wall, **json.loads(done.stdout.strip().splitlines()[-1])}


def run_repeated(mode: str, config: str, out: str, master: str, repeat: int) -> dict:
    runs = sorted((run_child(mode, config, out, master) for _ in range(repeat)), key=lambda r: r["wall_seconds"])
    return {**runs[len(runs) // 2], "runs_wall_seconds": [round(r["wall_seconds"], 2) for r in runs]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000, help="interactions to generate (default 10M)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each side; the median counts (default 1)")
    parser.add_argument("--master", default="local[2]", help="Spark's master (default local[2])")
    parser.add_argument("--output", default=str(RESULTS), help="where the JSON goes")
    parser.add_argument("--child", nargs=4, metavar=("MODE", "CONFIG", "OUT", "MASTER"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(*args.child)
        return 0

    import polars as pl
    import pyspark

    with tempfile.TemporaryDirectory(prefix="spark-bench-") as tmp:
        workdir = Path(tmp)
        _, config, generator = synthetic_inputs(workdir, args.rows)
        polars = run_repeated("polars", str(config), str(workdir / "polars"), args.master, args.repeat)
        spark = run_repeated("spark", str(config), str(workdir / "spark"), args.master, args.repeat)

    same = all(spark[part] == polars[part] for part in ("training", "validation"))
    result = {
        "rows": args.rows,
        "repeat": args.repeat,
        "csv_mb": generator["bytes"] / 1e6,
        "master": args.master,
        "polars": pl.__version__,
        "pyspark": pyspark.__version__,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "polars_engine": polars,
        "spark_engine": spark,
        "same_version": same,
        "ratio_wall": spark["wall_seconds"] / polars["wall_seconds"],
        "ratio_work_without_session": (spark["work_seconds"] - spark["session_seconds"]) / polars["work_seconds"],
    }
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(result, indent=2) + "\n")
    print(f"spark benchmark: {args.rows:,} interactions ({result['csv_mb']:.0f} MB CSV), {os.cpu_count()} cores")
    print(f"{'':28}{'wall s':>9}{'session s':>11}{'driver RSS MB':>15}{'JVM RSS MB':>12}")
    for name, r in (("(a) spark engine " + args.master, spark), ("(b) polars engine", polars)):
        print(
            f"{name:28}{r['wall_seconds']:9.2f}{r['session_seconds']:11.2f}"
            f"{r['peak_rss_mb']:15.0f}{r['jvm_peak_rss_mb']:12.0f}"
        )
    print(
        f"ratio (a)/(b) wall: {result['ratio_wall']:.2f}; without Spark's start: "
        f"{result['ratio_work_without_session']:.2f}; same version (row digests): {same}"
    )
    print(f"wrote {output}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
