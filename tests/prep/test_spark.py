"""The spark engine prepares the same version as the Polars engine: the same
row digests, the same manifest, the same exported rows (interactions as sets,
metadata byte for byte), on small data with every rule at work; and what it
cannot do the same way it refuses. One local Spark (local[2]) for the session."""

import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
import yaml

from prep.__main__ import main
from prep.config import load_config
from prep.errors import InputError
from prep.pipeline import ROW_HASH_SEED, ValidationFailed, prepare
from prep.spark_job import prep_arguments

DAY = 86400
START = 1_700_000_000  # 2023-11-14
NOW = datetime(2024, 2, 1, tzinfo=UTC)
JAVA_PACKAGE = "openjdk-17-jre-headless"


def _ensure_java() -> None:
    """Local Spark needs a Java runtime (17 for Spark 3.5); on a fresh machine, as root (CI), install it."""
    if shutil.which("java"):
        return
    if os.geteuid() != 0:
        pytest.fail(
            "Java is not installed and the tests are not root: run `apt-get install -y openjdk-17-jre-headless`"
        )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update"], ["apt-get", "install", "-y", "--no-install-recommends", JAVA_PACKAGE]):
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            pytest.fail(f"`{' '.join(command)}` failed ({done.returncode}):\n{done.stderr[-2000:]}")


@pytest.fixture(scope="session")
def spark():
    from prep.spark import session

    _ensure_java()
    spark = session("local[2]")
    spark.conf.set("spark.sql.shuffle.partitions", "3")
    yield spark
    spark.stop()


@pytest.fixture(scope="session")
def engine(spark):
    from prep.spark import SparkEngine

    return SparkEngine(spark)


def interactions(n_users=40, per_user=60) -> list[dict]:
    """Every rule at work: timestamps in several forms (epoch seconds and
    milliseconds, ISO text, day-first dates), exact duplicates, padded and
    over-long ids, missing values, unparsable values and one in the future."""
    forms = [
        lambda t: str(t),
        lambda t: str(t * 1000),
        lambda t: datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%d %H:%M:%S"),
        lambda t: datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        lambda t: datetime.fromtimestamp(t, UTC).strftime("%d/%m/%Y %H:%M"),
    ]
    out = []
    for u in range(n_users):
        for k in range(per_user):
            t = START + (k * 60 * DAY) // per_user + u * 7
            out.append(
                {
                    "user": f"u{u}" if k % 9 else f"  u{u} ",
                    "item": f"i{(u * 3 + k) % 70}",
                    "kind": "click" if k % 4 else "purchase",
                    "when": forms[(u + k) % len(forms)](t),
                    "value": str(k % 5) if k % 6 else "",
                    "device": "mobile" if u % 2 else None,
                }
            )
    out += [dict(out[0]), dict(out[5]), dict(out[5])]  # exact duplicates
    out += [
        {"user": None, "item": "i1", "kind": "click", "when": str(START), "value": "1", "device": None},
        {"user": "u1", "item": "", "kind": "click", "when": str(START), "value": "1", "device": None},
        {"user": "x" * 257, "item": "i1", "kind": "click", "when": str(START), "value": "1", "device": None},
        {"user": "u2", "item": "i2", "kind": "click", "when": "yesterday", "value": "1", "device": None},
        {"user": "u3", "item": "i3", "kind": "click", "when": str(START), "value": "lots", "device": None},
        {"user": "u4", "item": "i4", "kind": "click", "when": str(START + 4000 * DAY), "value": "1", "device": None},
    ]
    return out


def write_dataset(root: Path, *, items=True, users=True, **overrides) -> Path:
    rows = interactions()
    # Two files in one source by a glob, and a second source: file order matters to the sample.
    data = root / "events"
    data.mkdir()
    pl.DataFrame(rows[:1000]).write_csv(data / "part-a.csv")
    pl.DataFrame(rows[1000:1800]).write_csv(data / "part-b.csv")
    pl.DataFrame(rows[1800:]).write_csv(root / "more.csv")
    config: dict = {
        "name": "spark-test",
        "interactions": {
            "sources": [
                {"name": "events", "kind": "csv", "path": str(data / "part-*.csv")},
                {"name": "more", "kind": "csv", "path": str(root / "more.csv")},
            ],
            "mapping": {
                "USER_ID": {"column": "user"},
                "ITEM_ID": {"column": "item"},
                "EVENT_TYPE": {"column": "kind"},
                "EVENT_VALUE": {"column": "value"},
                "TIMESTAMP": {"column": "when"},
                "DEVICE": {"column": "device", "categorical": True},
            },
        },
        "holdout": {"days": 7},
        "window": {"days": 40},
        "maxParseFailures": 0.1,
    }
    if items:
        catalog = pl.DataFrame(
            {
                "sku": [f"i{k}" for k in range(70)] + ["i0", " i1 ", None],
                "genre": [None if k % 5 == 0 else f"g{k % 3}" for k in range(70)] + ["latest", "trimmed", "x"],
                "price": [f"{k}.5" if k % 14 else "n/a" for k in range(70)] + ["1", "2", "3"],
                "rare": ["x"] + [None] * 72,
            }
        )
        catalog.write_parquet(root / "items.parquet")
        config["items"] = {
            "sources": [{"name": "catalog", "kind": "parquet", "path": str(root / "items.parquet")}],
            "mapping": {
                "ITEM_ID": {"column": "sku"},
                "GENRE": {"column": "genre", "categorical": True},
                "PRICE": {"column": "price", "cast": "float"},
                "RARE": {"column": "rare"},
            },
            "fill": {"GENRE": "unknown"},
            "dropSparseBelow": 0.5,
            "aggregates": ["count", "mean", "min", "max"],
        }
    if users:
        people = [{"id": f"u{u}", "age": str(20 + u), "since": f"2020-01-{1 + u % 28:02d}"} for u in range(40)]
        (root / "users.jsonl").write_text("\n".join(json.dumps(p) for p in people + [people[3]]) + "\n")
        config["users"] = {
            "sources": [{"name": "people", "kind": "jsonl", "path": str(root / "users.jsonl")}],
            "mapping": {"USER_ID": {"column": "id"}, "AGE": {"column": "age", "cast": "int"}},
            "aggregates": ["count"],
        }
    config.update(overrides)
    path = root / "dataset.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def both(tmp_path: Path, engine, **kwargs) -> tuple[dict, dict, Path, Path]:
    config = load_config(str(write_dataset(tmp_path, **kwargs)))
    polars = prepare(config, "v1", str(tmp_path / "polars"), now=NOW)
    spark = engine.prepare(config, "v1", str(tmp_path / "spark"), now=NOW)
    return polars, spark, tmp_path / "polars" / "datasets" / "v1", tmp_path / "spark" / "datasets" / "v1"


def without_run(manifest: dict) -> dict:
    """What may differ between two runs of the same version: when, where, which engine, the CSVs' row order."""
    skip = {"created_at", "location", "engine"}
    kept = {k: v for k, v in manifest.items() if k not in skip}
    kept["files"] = {
        name: {k: v for k, v in entry.items() if not (name.endswith("interactions.csv") and k == "sha256")}
        for name, entry in manifest["files"].items()
    }
    return kept


def test_the_spark_engine_prepares_the_same_version_as_polars(tmp_path, engine):
    polars, spark, left, right = both(tmp_path, engine)
    assert spark["engine"].startswith("spark ") and polars["engine"].startswith("polars ")
    # Every rule did something, so the equality below means something.
    counts = {s["step"]: s["rows_in"] - s["rows_out"] for s in polars["steps"]}
    for step in ("duplicates", "missing USER_ID", "over 256", "in the future", "no known form", "are not float"):
        assert any(step in name and dropped > 0 for name, dropped in counts.items()), step
    assert polars["validation"]["rows"] > 0 and polars["training"]["rows"] > 0
    assert spark["training"]["rows_digest"] == polars["training"]["rows_digest"]
    assert spark["validation"]["rows_digest"] == polars["validation"]["rows_digest"]
    assert without_run(spark) == without_run(polars)
    for name in ("interactions.csv", "validation/interactions.csv"):
        ours, theirs = (root / name for root in (right, left))
        assert ours.read_text().splitlines()[0] == theirs.read_text().splitlines()[0]  # the same header
        assert sorted(ours.read_text().splitlines()[1:]) == sorted(theirs.read_text().splitlines()[1:])
    # Metadata, the schemas and everything else: the same bytes.
    for name in ("items.csv", "users.csv", "schemas/interactions.json", "schemas/items.json", "schemas/users.json"):
        assert (right / name).read_bytes() == (left / name).read_bytes(), name
    # The Polars engine takes the Spark engine's export for the same version: "unchanged".
    config = load_config(str(tmp_path / "dataset.yaml"))
    again = prepare(config, "v1", str(tmp_path / "spark"), now=NOW)
    assert again.get("unchanged") is True


def test_the_digest_of_rows_does_not_depend_on_batches_or_on_the_way_through_arrow(spark):
    frame = pl.DataFrame(
        {
            "USER_ID": ["a", "b", None, "d" * 300],
            "TIMESTAMP": [1, 2**40, 3, -4],
            "EVENT_VALUE": [0.5, None, 1e300, -0.0],
            "FLAG": [True, False, None, True],
        }
    )

    def digest(f: pl.DataFrame) -> int:
        return f.hash_rows(seed=ROW_HASH_SEED).to_frame().select(pl.all().bitwise_xor()).item() if f.height else 0

    whole = digest(frame)
    assert digest(frame.slice(0, 1)) ^ digest(frame.slice(1, 3)) == whole
    through = pl.from_arrow(
        spark.createDataFrame(
            frame.to_arrow().to_pylist(), "USER_ID string, TIMESTAMP long, EVENT_VALUE double, FLAG boolean"
        )._collect_as_arrow()
    )
    assert isinstance(through, pl.DataFrame) and through.schema == frame.schema
    assert digest(through) == whole
    # The dtype is part of the hash: an Int32 timestamp would give another digest.
    assert digest(frame.with_columns(pl.col("TIMESTAMP").cast(pl.Int32, strict=False))) != whole


def test_validation_failures_are_the_same(tmp_path, engine):
    config = load_config(str(write_dataset(tmp_path, items=False, users=False, maxParseFailures=0.0)))
    with pytest.raises(ValidationFailed) as polars:
        prepare(config, "v1", str(tmp_path / "polars"), now=NOW)
    with pytest.raises(ValidationFailed) as spark:
        engine.prepare(config, "v1", str(tmp_path / "spark"), now=NOW)
    assert spark.value.failures == polars.value.failures
    assert "e.g. 'yesterday'" in " ".join(spark.value.failures)


def test_what_spark_would_do_differently_is_refused(tmp_path, engine):
    config = load_config(str(write_dataset(tmp_path, items=False, users=False)))
    queried = config.model_copy(
        update={"interactions": config.interactions.model_copy(update={"query": "SELECT * FROM more"})}
    )
    with pytest.raises(InputError, match=r"interactions.query: the spark engine does not run Polars SQL"):
        engine.prepare(queried, "v1", str(tmp_path / "out"))
    broken = tmp_path / "broken.csv"
    broken.write_text('user,item,kind,when\nu1,"two\nlines",click,1700000000\n')
    source = config.interactions.sources[1].model_copy(update={"path": str(broken)})
    multiline = config.model_copy(
        update={"interactions": config.interactions.model_copy(update={"sources": (source,)})}
    )
    with pytest.raises(InputError, match=r"interactions: cannot read the sources 'more' .* with Spark: .*MALFORMED"):
        engine.prepare(multiline, "v1", str(tmp_path / "out"))
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes("user,item,kind,when,value,device\nu1,caf\u00e9,click,1700000000,1,\n".encode("latin-1"))
    source = config.interactions.sources[1].model_copy(update={"path": str(latin1)})
    encoded = config.model_copy(update={"interactions": config.interactions.model_copy(update={"sources": (source,)})})
    with pytest.raises(InputError, match="not UTF-8"):
        prepare(encoded, "v1", str(tmp_path / "polars"))  # the Polars engine refuses it
    with pytest.raises(InputError, match=r"the sources 'more' .*: a value of column 'item' holds U\+FFFD"):
        engine.prepare(encoded, "v1", str(tmp_path / "out"))


def test_the_command_runs_the_spark_engine_and_says_when_it_cannot(tmp_path, spark, capsys, monkeypatch):
    config = write_dataset(tmp_path, items=False, users=False)
    args = ["--config", str(config), "--output", str(tmp_path / "out"), "--quiet"]
    assert main([*args, "--version", "v1", "--engine", "spark"]) == 0
    assert "training" in capsys.readouterr().out
    written = json.loads((tmp_path / "out" / "datasets" / "v1" / "manifest.json").read_text())
    assert written["engine"].startswith("spark 3.5")
    assert main([*args, "--version", "v2", "--spark-master", "local[1]"]) == 2
    assert "--spark-master has value 'local[1]'; allowed: only with --engine spark" in capsys.readouterr().err
    monkeypatch.setitem(sys.modules, "pyspark", None)  # as if not installed
    assert main([*args, "--version", "v2", "--engine", "spark"]) == 2
    assert "prep: --engine spark: cannot import pyspark" in capsys.readouterr().err


def test_the_job_script_keeps_only_prep_arguments():
    glue = ["--JOB_ID", "j_1", "--config", "s3://b/d.yaml", "--JOB_RUN_ID", "jr_1", "--version=v7"]
    glue += ["--job-bookmark-option", "job-bookmark-disable", "--output", "s3://b", "--TempDir", "s3://t/"]
    assert prep_arguments(glue) == ["--config", "s3://b/d.yaml", "--version=v7", "--output", "s3://b"]


def test_timestamp_forms_are_judged_on_the_first_rows_of_the_files_as_polars_does(tmp_path, engine):
    # The first 10,000 rows (the sample) hold epoch seconds only, so the ISO text after them is in
    # no form the sample showed: both engines leave it unparsed. A sample of other rows would parse it.
    rows = [
        {
            "user": f"u{i % 400}",
            "item": f"i{i % 300}",
            "when": str(START + i * 600) if i < 10_000 else f"2023-11-2{i % 10} 10:00:00",
        }
        for i in range(12_000)
    ]
    pl.DataFrame(rows).write_csv(tmp_path / "events.csv")
    config = {
        "name": "sample",
        "interactions": {
            "sources": [{"name": "events", "kind": "csv", "path": str(tmp_path / "events.csv")}],
            "mapping": {"USER_ID": {"column": "user"}, "ITEM_ID": {"column": "item"}, "TIMESTAMP": {"column": "when"}},
        },
        "holdout": {"days": 7},
        "maxParseFailures": 0.5,
    }
    (tmp_path / "dataset.yaml").write_text(yaml.safe_dump(config))
    loaded = load_config(str(tmp_path / "dataset.yaml"))
    polars = prepare(loaded, "v1", str(tmp_path / "polars"), now=NOW)
    spark = engine.prepare(loaded, "v1", str(tmp_path / "spark"), now=NOW)
    [unparsed] = [s for s in polars["steps"] if "no known form" in s["step"]]
    assert unparsed["rows_in"] - unparsed["rows_out"] == 2000
    assert without_run(spark) == without_run(polars)
