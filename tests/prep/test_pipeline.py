"""Each rule of data preparation changes the counts it should, on small files
the tests write, with answers known in advance."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
import yaml

from common import user_index
from prep import pipeline
from prep.__main__ import main
from prep.config import PrepConfigError, load_config
from prep.pipeline import ValidationFailed, VersionExists, prepare

DAY = 86400
START = 1_700_000_000  # 2023-11-14


def rows(n_users=40, per_user=30, start=START, days=60) -> list[dict]:
    """Every user interacts `per_user` times, spread evenly over `days`."""
    out = []
    for u in range(n_users):
        for k in range(per_user):
            out.append(
                {
                    "user": f"u{u}",
                    "item": f"i{(u + k) % 50}",
                    "kind": "click",
                    "when": start + (k * days * DAY) // per_user + u,
                }
            )
    return out


def write_config(tmp_path: Path, source_rows: list[dict], fmt: str = "csv", **overrides) -> Path:
    data = tmp_path / f"events.{fmt}"
    frame = pl.DataFrame(source_rows)
    {"csv": frame.write_csv, "parquet": frame.write_parquet, "jsonl": frame.write_ndjson}[fmt](data)
    config = {
        "name": "test",
        "interactions": {
            "sources": [{"name": "events", "kind": fmt, "path": str(data)}],
            "mapping": {
                "USER_ID": {"column": "user"},
                "ITEM_ID": {"column": "item"},
                "EVENT_TYPE": {"column": "kind"},
                "TIMESTAMP": {"column": "when"},
            },
        },
        "holdout": {"days": 7},
        **overrides,
    }
    path = tmp_path / "dataset.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def subdir(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    path.mkdir()
    return path


def step(manifest: dict, name: str) -> dict:
    [found] = [s for s in manifest["steps"] if name in s["step"]]
    return found


def run(tmp_path, source_rows, version="v1", **overrides) -> dict:
    return prepare(load_config(str(write_config(tmp_path, source_rows, **overrides))), version, str(tmp_path / "out"))


def test_a_clean_export_has_the_files_header_and_manifest(tmp_path):
    manifest = run(tmp_path, rows())
    exported = tmp_path / "out" / "datasets" / "v1"
    assert sorted(manifest["files"]) == [
        "interactions.csv",
        "schemas/interactions.json",
        "user-index.bin",
        "validation/interactions.csv",
    ]
    assert (exported / "interactions.csv").read_text().splitlines()[0] == "USER_ID,ITEM_ID,EVENT_TYPE,TIMESTAMP"
    written = json.loads((exported / "manifest.json").read_text())
    assert written["training"]["rows"] + written["validation"]["rows"] == 40 * 30
    assert written["files"]["interactions.csv"]["rows"] == written["training"]["rows"]
    schema = json.loads((exported / "schemas" / "interactions.json").read_text())
    assert [f["name"] for f in schema["fields"]] == ["USER_ID", "ITEM_ID", "EVENT_TYPE", "TIMESTAMP"]
    assert schema["fields"][3]["type"] == "long" and schema["fields"][2]["type"] == "string"


@pytest.mark.parametrize("fmt", ["parquet", "jsonl"])
def test_every_file_format_reads_like_csv(tmp_path, fmt):
    as_csv = run(subdir(tmp_path, "csv"), rows())
    other = run(subdir(tmp_path, fmt), rows(), fmt=fmt)
    assert other["training"] == as_csv["training"] and other["validation"] == as_csv["validation"]


def test_rows_without_user_item_or_timestamp_are_dropped(tmp_path):
    broken = rows() + [
        {"user": None, "item": "i1", "kind": "click", "when": START},
        {"user": "u1", "item": "", "kind": "click", "when": START},
        {"user": "u1", "item": "i1", "kind": "click", "when": None},
    ]
    manifest = run(tmp_path, broken)
    dropped = step(manifest, "drop rows missing")
    assert dropped["rows_in"] - dropped["rows_out"] == 3


def test_exact_duplicates_go_and_ids_are_trimmed_and_length_checked(tmp_path):
    base = rows()
    extra = [dict(base[0]), dict(base[1], user=f"  {base[1]['user']}  "), dict(base[2], user="x" * 257)]
    manifest = run(tmp_path, base + extra)
    assert step(manifest, "over 256")["rows_in"] - step(manifest, "over 256")["rows_out"] == 1
    # The copy of row 0, and row 1 once its padded id is trimmed.
    assert step(manifest, "duplicates")["rows_in"] - step(manifest, "duplicates")["rows_out"] == 2


def test_timestamps_of_any_common_form_become_epoch_seconds(tmp_path):
    forms = [START, START * 1000, "2023-11-14 22:13:20", "2023-11-14T22:13:20Z"]
    source = [{"user": f"u{i % 40}", "item": f"i{i // 40}", "kind": "click", "when": forms[i % 4]} for i in range(1200)]
    frame = pl.DataFrame([{**r, "when": str(r["when"])} for r in source])
    data = tmp_path / "mixed.csv"
    frame.write_csv(data)
    config = write_config(tmp_path, rows())
    raw = yaml.safe_load(config.read_text())
    raw["interactions"]["sources"][0]["path"] = str(data)
    raw["holdout"] = {"days": 0}
    config.write_text(yaml.safe_dump(raw, sort_keys=False))
    manifest = prepare(load_config(str(config)), "v1", str(tmp_path / "out"))
    exported = pl.read_csv(tmp_path / "out" / "datasets" / "v1" / "interactions.csv")
    assert set(exported["TIMESTAMP"].unique().to_list()) == {START}
    assert manifest["training"]["rows"] == exported.height


def test_the_split_is_by_time_and_the_newest_days_never_train(tmp_path):
    manifest = run(tmp_path, rows())
    exported = tmp_path / "out" / "datasets" / "v1"
    training = pl.read_csv(exported / "interactions.csv")
    validation = pl.read_csv(exported / "validation" / "interactions.csv")
    newest = max(r["when"] for r in rows())
    assert validation["TIMESTAMP"].min() >= newest - 7 * DAY
    assert training["TIMESTAMP"].max() < newest - 7 * DAY
    assert validation.height == manifest["validation"]["rows"] > 0


def test_the_training_window_keeps_only_the_recent_days(tmp_path):
    manifest = run(tmp_path, rows(per_user=60), window={"days": 30})
    kept = step(manifest, "30-day training window")
    assert 0 < kept["rows_out"] < kept["rows_in"]
    training = pl.read_csv(tmp_path / "out" / "datasets" / "v1" / "interactions.csv")
    newest = max(r["when"] for r in rows(per_user=60))
    assert training["TIMESTAMP"].min() >= newest - 7 * DAY - 30 * DAY


def test_validation_failures_name_the_rule_and_the_shortfall(tmp_path):
    with pytest.raises(ValidationFailed) as failure:
        run(tmp_path, rows(n_users=20, per_user=30))
    message = str(failure.value)
    assert "minimum interactions:" in message and "1000 required (short by" in message
    assert "minimum users with 2 or more interactions: 20, 25 required (short by 5)" in message
    assert not (tmp_path / "out" / "datasets" / "v1").exists()


def test_a_version_is_immutable(tmp_path):
    first = run(tmp_path, rows())
    again = run(tmp_path, rows())
    assert again["unchanged"] is True and again["created_at"] == first["created_at"]
    with pytest.raises(VersionExists, match="versions are immutable"):
        run(tmp_path, rows(per_user=31))
    assert run(tmp_path, rows(per_user=31), version="v2")["version"] == "v2"


def indexed_ids(exported: Path, manifest: dict) -> list[str]:
    """Every id of the version's user index, block after block, each checked by its sha256."""
    data = (exported / manifest["user_index"]["file"]).read_bytes()
    where = manifest["user_index"]["directory"]
    directory = user_index.Directory(data[where["offset"] : where["offset"] + where["length"]], where["sha256"])
    return [
        user
        for block in directory.blocks
        for user in user_index.block_ids(data[block.offset : block.offset + block.length], block)
    ]


def test_the_user_index_holds_the_training_users_and_the_manifest_lists_it(tmp_path, monkeypatch):
    monkeypatch.setattr(user_index, "BLOCK_IDS", 7)  # several blocks of the 40 users
    source = rows() + [{"user": "late", "item": "i1", "kind": "click", "when": START + 60 * DAY}]  # validation only
    manifest = run(tmp_path, source)
    exported = tmp_path / "out" / "datasets" / "v1"
    training = pl.read_csv(exported / "interactions.csv", infer_schema=False)["USER_ID"].unique().sort().to_list()
    assert indexed_ids(exported, manifest) == training and "late" not in training
    entry = manifest["user_index"]
    assert entry["file"] == "user-index.bin" and entry["users"] == manifest["training"]["users"] == 40
    assert entry["format"] == user_index.FORMAT and entry["blocks"] == 6
    assert manifest["files"]["user-index.bin"]["sha256"] == user_index.sha256(
        (exported / "user-index.bin").read_bytes()
    )
    assert json.loads((exported / "manifest.json").read_text())["user_index"] == entry


def test_a_version_exported_before_the_user_index_is_unchanged_when_prepared_again(tmp_path):
    first = run(tmp_path, rows())
    exported = tmp_path / "out" / "datasets" / "v1"
    # As the previous release wrote it: no index, no mention of one.
    (exported / "user-index.bin").unlink()
    old = json.loads((exported / "manifest.json").read_text())
    del old["user_index"], old["files"]["user-index.bin"]
    (exported / "manifest.json").write_text(json.dumps(old))

    again = run(tmp_path, rows())
    assert again["unchanged"] is True and again["created_at"] == first["created_at"]
    assert "user_index" not in again and not (exported / "user-index.bin").exists()  # a version is left as it is
    with pytest.raises(VersionExists, match=r"\(interactions.csv, validation/interactions.csv differ\)"):
        run(tmp_path, rows(per_user=31))


def test_items_metadata_is_filled_sparse_fields_dropped_and_aggregates_added(tmp_path):
    items = tmp_path / "items.csv"
    pl.DataFrame(
        {
            "sku": [f"i{k}" for k in range(50)] + ["i0"],
            "genre": [None if k % 5 == 0 else "g" for k in range(50)] + ["latest"],
            "rare": ["x"] + [None] * 50,
        }
    ).write_csv(items)
    manifest = run(
        tmp_path,
        rows(),
        items={
            "sources": [{"name": "catalog", "kind": "csv", "path": str(items)}],
            "mapping": {
                "ITEM_ID": {"column": "sku"},
                "GENRE": {"column": "genre", "categorical": True},
                "RARE": {"column": "rare"},
            },
            "fill": {"GENRE": "unknown"},
            "dropSparseBelow": 0.5,
            "aggregates": ["count"],
        },
    )
    exported = pl.read_csv(tmp_path / "out" / "datasets" / "v1" / "items.csv")
    assert exported.columns == ["ITEM_ID", "GENRE", "INTERACTIONS_COUNT"]
    assert exported.height == 50 and exported.filter(pl.col("ITEM_ID") == "i0")["GENRE"].item() == "latest"
    assert exported.filter(pl.col("ITEM_ID") == "i5")["GENRE"].item() == "unknown"
    assert step(manifest, "drop fields filled below")["detail"] == "dropped RARE"
    schema = json.loads((tmp_path / "out" / "datasets" / "v1" / "schemas" / "items.json").read_text())
    assert {"name": "GENRE", "type": ["null", "string"], "categorical": True} in schema["fields"]


def test_a_query_joins_two_sources(tmp_path):
    base = rows(per_user=40)
    purchases = tmp_path / "purchases.csv"
    pl.DataFrame(base[:600]).write_csv(purchases)
    config = write_config(tmp_path, base[600:])
    raw = yaml.safe_load(config.read_text())
    raw["interactions"]["sources"].append({"name": "purchases", "kind": "csv", "path": str(purchases)})
    raw["interactions"]["query"] = (
        'SELECT "user", item, \'purchase\' AS kind, "when" FROM purchases '
        'UNION ALL SELECT "user", item, kind, "when" FROM events'
    )
    config.write_text(yaml.safe_dump(raw, sort_keys=False))
    manifest = prepare(load_config(str(config)), "v1", str(tmp_path / "out"))
    assert step(manifest, "apply the query")["rows_out"] == len(base)
    exported = pl.read_csv(tmp_path / "out" / "datasets" / "v1" / "interactions.csv")
    validation = pl.read_csv(tmp_path / "out" / "datasets" / "v1" / "validation" / "interactions.csv")
    assert set(pl.concat([exported, validation])["EVENT_TYPE"].unique()) == {"purchase", "click"}


@pytest.mark.parametrize(
    "change, key, allowed",
    [
        ({"colour": 1}, "colour", "one of the keys"),
        ({"holdout": {"days": -1}}, "holdout.days", "a number of days >= 0"),
        ({"window": {"days": 0}}, "window.days", "a whole number of days >= 1"),
    ],
)
def test_bad_config_names_the_key(tmp_path, change, key, allowed):
    path = write_config(tmp_path, rows(), **change)
    with pytest.raises(PrepConfigError) as error:
        load_config(str(path))
    assert f"key {key!r}" in str(error.value) and allowed in str(error.value)


def test_a_mapping_needs_the_required_fields(tmp_path):
    path = write_config(tmp_path, rows())
    raw = yaml.safe_load(path.read_text())
    del raw["interactions"]["mapping"]["TIMESTAMP"]
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    with pytest.raises(PrepConfigError, match="interactions.mapping.TIMESTAMP.*required for interactions"):
        load_config(str(path))


def test_the_command_prints_the_report_and_exit_codes_say_what_failed(tmp_path, capsys):
    config = str(write_config(tmp_path, rows()))
    assert (
        main(
            [
                "--config",
                config,
                "--version",
                "v1",
                "--output",
                str(tmp_path / "out"),
                "--quiet",
                "--summary",
                str(tmp_path / "summary.html"),
            ]
        )
        == 0
    )
    printed = capsys.readouterr().out
    assert "dataset test version v1" in printed and "drop exact duplicates" in printed
    assert (tmp_path / "summary.html").read_text().count("data:image/png;base64,") == 3
    small = str(write_config(subdir(tmp_path, "small"), rows(n_users=10)))
    assert main(["--config", small, "--version", "v1", "--output", str(tmp_path / "out2"), "--quiet"]) == 3
    assert "short by" in capsys.readouterr().err


def test_data_larger_than_the_memory_budget_prepares_in_parts_with_the_same_result(tmp_path, monkeypatch):
    source = rows(per_user=40) + [dict(rows()[0])]  # one exact duplicate
    whole = run(subdir(tmp_path, "whole"), source)
    csv_bytes = (tmp_path / "whole" / "events.csv").stat().st_size
    # A budget a quarter of what the file needs: the interactions go through in parts.
    monkeypatch.setenv("PREP_MEMORY_BUDGET_BYTES", str(csv_bytes * pipeline.MEMORY_PER_SOURCE_BYTE // 4))
    assert pipeline.parts_needed(load_config(str(tmp_path / "whole" / "dataset.yaml")).interactions, tmp_path) >= 4
    parted = run(subdir(tmp_path, "parted"), source)

    assert parted["steps"] == whole["steps"]
    assert parted["training"] == whole["training"] and parted["validation"] == whole["validation"]
    assert parted["user_index"] == whole["user_index"]
    assert parted["files"]["user-index.bin"] == whole["files"]["user-index.bin"]
    for name in ("interactions.csv", "validation/interactions.csv"):
        read = lambda root, name=name: pl.read_csv(root / "out" / "datasets" / "v1" / name).sort(pl.all())
        assert read(tmp_path / "parted").equals(read(tmp_path / "whole"))
    # Exporting the whole-memory result again under the parted version is "unchanged".
    monkeypatch.delenv("PREP_MEMORY_BUDGET_BYTES")
    again = prepare(load_config(str(tmp_path / "parted" / "dataset.yaml")), "v1", str(tmp_path / "parted" / "out"))
    assert again["unchanged"] is True


def test_an_unchanged_export_says_where_it_is(tmp_path):
    first = run(tmp_path, rows())
    again = run(tmp_path, rows())
    assert again["location"] == first["location"] == str(tmp_path / "out" / "datasets" / "v1")


def test_items_missing_a_required_metadata_field_are_dropped_by_rule(tmp_path):
    items = tmp_path / "items.csv"
    pl.DataFrame({"sku": [f"i{k}" for k in range(50)], "price": [None if k < 5 else 1.5 for k in range(50)]}).write_csv(
        items
    )
    manifest = run(
        tmp_path,
        rows(),
        items={
            "sources": [{"name": "catalog", "kind": "csv", "path": str(items)}],
            "mapping": {"ITEM_ID": {"column": "sku"}, "PRICE": {"column": "price", "cast": "float"}},
            "dropMissing": ["PRICE"],
        },
    )
    dropped = step(manifest, "items: drop rows missing PRICE")
    assert (dropped["rows_in"], dropped["rows_out"]) == (50, 45)
    assert pl.read_csv(tmp_path / "out" / "datasets" / "v1" / "items.csv").height == 45


def test_fill_and_drop_rules_must_name_mapped_fields(tmp_path):
    path = write_config(
        tmp_path,
        rows(),
        items={
            "sources": [{"kind": "csv", "path": "x.csv"}],
            "mapping": {"ITEM_ID": {"column": "sku"}},
            "dropMissing": ["PRICE"],
        },
    )
    with pytest.raises(PrepConfigError, match="'PRICE'; allowed: a mapped field: ITEM_ID"):
        load_config(str(path))


def test_a_sliding_window_from_the_command_line_overrides_the_dataset_file(tmp_path, capsys):
    config = str(write_config(tmp_path, rows(per_user=60)))
    assert (
        main(
            [
                "--config",
                config,
                "--version",
                "w30",
                "--output",
                str(tmp_path / "out"),
                "--quiet",
                "--window-days",
                "30",
            ]
        )
        == 0
    )
    manifest = json.loads((tmp_path / "out" / "datasets" / "w30" / "manifest.json").read_text())
    assert manifest["window_days"] == 30 and "keep the 30-day training window" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["--config", config, "--version", "w0", "--output", str(tmp_path / "out"), "--window-days", "0"])
    assert "--window-days has value '0'; allowed: a whole number of days >= 1" in capsys.readouterr().err


def _unparsed(source_rows: list[dict], every: int) -> list[dict]:
    """Every `every`-th timestamp in a form no reader knows."""
    return [dict(r, when="12/31/2023 10:00 PM" if i % every == 0 else r["when"]) for i, r in enumerate(source_rows)]


def test_timestamps_that_do_not_parse_above_the_threshold_fail_naming_column_rate_and_examples(tmp_path):
    with pytest.raises(ValidationFailed) as failure:
        run(tmp_path, _unparsed(rows(), 3))
    [message] = [f for f in failure.value.failures if "TIMESTAMP" in f]
    assert message.startswith("interactions.TIMESTAMP (column 'when'): 33.3% of 1,200 values in no known form")
    assert "more than the 1.00% allowed" in message and "e.g. '12/31/2023 10:00 PM'" in message
    assert not (tmp_path / "out" / "datasets").exists()


def test_below_the_threshold_unparsed_rows_are_dropped_and_counted(tmp_path):
    manifest = run(tmp_path, _unparsed(rows(), 200))  # 0.5%
    unreadable = step(manifest, "TIMESTAMP values in no known form")
    assert unreadable["rows_in"] - unreadable["rows_out"] == 6
    assert manifest["training"]["rows"] + manifest["validation"]["rows"] == 1200 - 6


def test_the_threshold_is_set_in_the_dataset_file_or_on_the_command_line(tmp_path, capsys):
    manifest = run(subdir(tmp_path, "file"), _unparsed(rows(per_user=60), 3), maxParseFailures=0.5)
    assert manifest["max_parse_failures"] == 0.5
    config = str(write_config(subdir(tmp_path, "cli"), _unparsed(rows(per_user=60), 3)))
    out = str(tmp_path / "cli" / "out")
    assert main(["--config", config, "--version", "v1", "--output", out, "--quiet"]) == 3
    assert "33.3% of 2,400 values" in capsys.readouterr().err
    assert main(["--config", config, "--version", "v1", "--output", out, "--quiet", "--max-parse-failures", "0.4"]) == 0


def test_numbers_that_do_not_parse_count_against_the_threshold(tmp_path):
    source = [dict(r, value="n/a" if i % 4 == 0 else "2.5") for i, r in enumerate(rows())]
    config = write_config(tmp_path, source)
    raw = yaml.safe_load(config.read_text())
    raw["interactions"]["mapping"]["EVENT_VALUE"] = {"column": "value"}
    config.write_text(yaml.safe_dump(raw, sort_keys=False))
    with pytest.raises(ValidationFailed, match=r"EVENT_VALUE \(column 'value'\): 25.0% of 1,200 values not float"):
        prepare(load_config(str(config)), "v1", str(tmp_path / "out"))


def test_a_timestamp_far_in_the_future_is_dropped_not_left_to_empty_the_training_set(tmp_path, capsys):
    source = rows(per_user=60) + [dict(rows()[0], when=4_070_908_800)]  # 2099-01-01
    config = str(write_config(tmp_path, source, window={"days": 45}))
    assert main(["--config", config, "--version", "v1", "--output", str(tmp_path / "out"), "--quiet"]) == 0
    printed = capsys.readouterr()
    assert "prep: warning: 1 interactions with timestamps in the future were dropped (the latest 2099-01-01" in (
        printed.err
    )
    assert "drop timestamps in the future" in printed.out and "the latest 2099-01-01 00:00:00 UTC" in printed.out
    manifest = json.loads((tmp_path / "out" / "datasets" / "v1" / "manifest.json").read_text())
    assert manifest["training"]["rows"] > 0 and manifest["validation"]["to"] < "2025"


def test_the_future_is_judged_from_the_run_time_and_a_too_short_result_says_why(tmp_path):
    config = load_config(str(write_config(tmp_path, rows())))
    now = datetime.fromtimestamp(START + 20 * DAY, UTC)
    with pytest.raises(ValidationFailed) as failure:
        prepare(config, "v1", str(tmp_path / "out"), now=now, future_tolerance=timedelta(0))
    [short] = [f for f in failure.value.failures if f.startswith("minimum interactions")]
    assert "interactions with timestamps in the future were dropped (the latest" in short
    dropped = step(failure.value.manifest, "drop timestamps in the future")
    assert dropped["rows_in"] == 1200 and 0 < dropped["rows_out"] < 1200


def exported(root: Path, name: str, version: str = "v1") -> pl.DataFrame:
    """An exported CSV read back with the types the pipeline wrote it with."""
    types = {"USER_ID": pl.String, "ITEM_ID": pl.String, "EVENT_TYPE": pl.String, "TIMESTAMP": pl.Int64}
    return pl.read_csv(root / "out" / "datasets" / version / name, schema_overrides=types)


def test_the_rows_digest_is_the_row_digest_of_the_exported_rows(tmp_path):
    source = rows() + [dict(rows()[0])]
    manifest = run(tmp_path, source)
    for part, name in (("training", "interactions.csv"), ("validation", "validation/interactions.csv")):
        assert manifest[part]["rows_digest"] == f"{pipeline.row_digest(exported(tmp_path, name)):016x}"


def test_rows_that_only_share_a_hash_are_not_taken_for_duplicates(tmp_path, monkeypatch):
    source = rows() + [dict(rows()[0]), dict(rows()[5])]  # two exact duplicates
    honest = run(subdir(tmp_path, "honest"), source)
    # Every row of a user now hashes alike: duplicates are told apart by their values, not their hash.
    monkeypatch.setattr(pipeline, "row_hashes", lambda frame: frame["USER_ID"].hash(seed=1))
    colliding = run(subdir(tmp_path, "colliding"), source)
    assert step(colliding, "duplicates") == step(honest, "duplicates")
    assert step(honest, "duplicates")["rows_in"] - step(honest, "duplicates")["rows_out"] == 2
    for name in ("interactions.csv", "validation/interactions.csv"):
        assert exported(tmp_path / "colliding", name).equals(exported(tmp_path / "honest", name))


def test_rows_that_only_share_a_hash_in_parts_are_not_taken_for_duplicates(tmp_path, monkeypatch):
    # The rows sharing a hash are found part by part and read again across the parts, by row number.
    source = rows(per_user=40)
    source += [dict(source[0]), dict(source[1000])]  # two exact duplicates, of two users
    whole = run(subdir(tmp_path, "whole"), source)
    csv_bytes = (tmp_path / "whole" / "events.csv").stat().st_size
    monkeypatch.setenv("PREP_MEMORY_BUDGET_BYTES", str(csv_bytes * pipeline.MEMORY_PER_SOURCE_BYTE // 4))
    monkeypatch.setattr(pipeline, "row_hashes", lambda frame: frame["USER_ID"].hash(seed=1))
    parted = run(subdir(tmp_path, "parted"), source)
    assert step(parted, "duplicates") == step(whole, "duplicates")
    assert step(whole, "duplicates")["rows_in"] - step(whole, "duplicates")["rows_out"] == 2
    assert parted["training"]["rows"] == whole["training"]["rows"]
    for name in ("interactions.csv", "validation/interactions.csv"):
        read = lambda root, name=name: pl.read_csv(root / "out" / "datasets" / "v1" / name).sort(pl.all())
        assert read(tmp_path / "parted").equals(read(tmp_path / "whole"))


def test_the_export_keeps_the_first_of_each_row_in_file_order(tmp_path):
    source = rows()
    shuffled = source[::-1] + [dict(source[-1])]  # reversed, and a copy of the row now first
    manifest = run(tmp_path, shuffled, holdout={"days": 0})
    expected = [(r["user"], r["item"], r["when"]) for r in shuffled[:-1]]
    training = exported(tmp_path, "interactions.csv")
    assert list(training.select("USER_ID", "ITEM_ID", "TIMESTAMP").iter_rows()) == expected
    assert manifest["training"]["rows"] == len(expected)


def test_files_are_copied_when_the_output_is_on_another_file_system(tmp_path, monkeypatch):
    moved = run(subdir(tmp_path, "moved"), rows())
    original = pipeline.os.replace

    def other_device(source, target):
        if str(target).startswith(str(tmp_path / "copied" / "out")):
            raise OSError(pipeline.errno.EXDEV, "Invalid cross-device link")
        original(source, target)

    monkeypatch.setattr(pipeline.os, "replace", other_device)
    copied = run(subdir(tmp_path, "copied"), rows())
    assert {k: v["sha256"] for k, v in copied["files"].items()} == {k: v["sha256"] for k, v in moved["files"].items()}
    for name in copied["files"]:
        assert (tmp_path / "copied" / "out" / "datasets" / "v1" / name).is_file()


def test_map_columns_gives_the_fields_and_each_fallible_fields_unparsed_source_values(tmp_path):
    """The unparsed column holds the source value exactly where the field came out
    empty; the mapped frame has the fields and those columns, nothing more."""
    source = tmp_path / "i.csv"
    pl.DataFrame(
        {
            "user": ["u1", " u2 ", "u3"],
            "item": ["i1", "i2", "i3"],
            "ts": ["2024-01-01 00:00:00", "not a time", "1700000000"],
            "value": ["1.5", "x", ""],
        }
    ).write_csv(source)
    config = tmp_path / "d.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "name": "m",
                "interactions": {
                    "sources": [{"kind": "csv", "path": str(source)}],
                    "mapping": {
                        "USER_ID": {"column": "user"},
                        "ITEM_ID": {"column": "item"},
                        "TIMESTAMP": {"column": "ts"},
                        "EVENT_VALUE": {"column": "value"},
                    },
                },
            }
        )
    )
    table = load_config(str(config)).interactions
    steps = pipeline.Steps(pipeline.Progress(0, enabled=False))
    mapped = pipeline.mapped_lazy(table, tmp_path, None, steps).collect()
    fields = ["USER_ID", "ITEM_ID", "TIMESTAMP", "EVENT_VALUE"]
    assert sorted(mapped.columns) == sorted(fields + ["__TIMESTAMP_unparsed", "__EVENT_VALUE_unparsed"])
    assert mapped["USER_ID"].to_list() == ["u1", "u2", "u3"]
    assert mapped["TIMESTAMP"].to_list() == [1704067200, None, 1700000000]
    assert mapped["__TIMESTAMP_unparsed"].to_list() == [None, "not a time", None]
    assert mapped["EVENT_VALUE"].to_list() == [1.5, None, None]
    assert mapped["__EVENT_VALUE_unparsed"].to_list() == [None, "x", ""]  # blank: not counted as present


def test_users_with_two_counts_the_training_users_with_two_or_more_interactions(tmp_path):
    early = [
        {"user": f"u{u}", "item": f"i{k}", "kind": "click", "when": START + u * 60 + k}
        for u in range(20)
        for k in (0, 1)
    ]
    once = [{"user": f"o{u}", "item": "i0", "kind": "click", "when": START + u} for u in range(10)]
    late = [{"user": "late", "item": "i0", "kind": "click", "when": START + 60 * DAY + k} for k in range(3)]  # held out
    with pytest.raises(ValidationFailed) as failure:
        run(tmp_path, early + once + late)
    assert "minimum users with 2 or more interactions: 20, 25 required (short by 5)" in str(failure.value)
