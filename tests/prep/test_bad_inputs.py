"""Every bad input to `python -m prep` ends in one clear line, `prep: ...`, naming
what is wrong, and a documented exit code (2: cannot be used or read, 3: fails
validation), never in a traceback. One case per input: a table."""

import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pytest
import yaml

from common.names import DATASET_VERSION_ALLOWED
from prep.__main__ import main
from tests.helpers.paths import ROOT

DAY = 86400
START = 1_700_000_000  # 2023-11-14
COLUMNS = ("user", "item", "kind", "when")


def events(n_users: int = 40, per_user: int = 30) -> list[dict]:
    return [
        {"user": f"u{u}", "item": f"i{(u + k) % 50}", "kind": "click", "when": str(START + k * 2 * DAY + u)}
        for u in range(n_users)
        for k in range(per_user)
    ]


def mapping(**changes) -> dict:
    fields = {"USER_ID": "user", "ITEM_ID": "item", "EVENT_TYPE": "kind", "TIMESTAMP": "when"}
    return {**{name: {"column": column} for name, column in fields.items()}, **changes}


def dataset(tmp_path: Path, sources: list[dict], **interactions) -> str:
    config = {
        "name": "bad",
        "interactions": {"sources": sources, "mapping": interactions.pop("mapping", mapping()), **interactions},
        "holdout": {"days": 7},
    }
    path = tmp_path / "dataset.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return str(path)


def csv_file(tmp_path: Path, body: bytes | str | None = None, name: str = "events.csv", rows=None) -> str:
    path = tmp_path / name
    if body is None:
        pl.DataFrame(rows if rows is not None else events(), schema=list(COLUMNS)).write_csv(path)
    else:
        path.write_bytes(body.encode() if isinstance(body, str) else body)
    return str(path)


def csv_dataset(tmp_path: Path, body: bytes | str | None = None, rows=None, **interactions) -> str:
    return dataset(
        tmp_path, [{"name": "events", "kind": "csv", "path": csv_file(tmp_path, body, rows=rows)}], **interactions
    )


@dataclass
class Run:
    """What a case's setup may use: its folder, and the S3 emulator (started only if asked for)."""

    tmp_path: Path
    request: pytest.FixtureRequest
    monkeypatch: pytest.MonkeyPatch

    @property
    def out(self) -> str:
        return str(self.tmp_path / "out")

    def s3(self):
        """(boto3 S3 client, endpoint) of the module's emulator."""
        return self.request.getfixturevalue("aws")("s3"), self.request.getfixturevalue("personalize_local").endpoint

    def args(self, config: str, version: str = "v1", output: str | None = None, *extra: str) -> list[str]:
        return ["--config", config, "--version", version, "--output", output or self.out, *extra]


@dataclass
class Case:
    name: str
    setup: Callable[[Run], list[str]]
    code: int
    start: str  # what the `prep: ` line begins with, after `prep: `
    names: tuple[str, ...] = ()  # what else the line must name
    exports: bool = False  # whether the version is exported before the failure


def _yaml(text: str) -> Callable[[Run], list[str]]:
    def setup(run: Run) -> list[str]:
        path = run.tmp_path / "dataset.yaml"
        path.write_text(text)
        return run.args(str(path))

    return setup


def _threshold_in_file(run: Run) -> list[str]:
    config = Path(csv_dataset(run.tmp_path))
    config.write_text(config.read_text() + "maxParseFailures: 5\n")
    return run.args(str(config))


def _tsv(run: Run) -> list[str]:
    body = "\t".join(COLUMNS) + "\n" + "".join("\t".join(r.values()) + "\n" for r in events())
    return run.args(csv_dataset(run.tmp_path, body))


def _latin1(run: Run) -> list[str]:
    body = ",".join(COLUMNS) + "\n" + "".join(",".join(r.values()) + "\n" for r in events())
    return run.args(csv_dataset(run.tmp_path, (body + "Jos\xe9,i1,click,1700000000\n").encode("latin-1")))


def _third_unparsed(run: Run) -> list[str]:
    rows = [dict(r, when="31/12/2023 10:00:00 PM" if i % 3 == 0 else r["when"]) for i, r in enumerate(events())]
    return run.args(csv_dataset(run.tmp_path, rows=rows))


def _bad_event_values(run: Run) -> list[str]:
    rows = [dict(r, value="n/a" if i % 10 == 0 else "1.5") for i, r in enumerate(events())]
    path = run.tmp_path / "events.csv"
    pl.DataFrame(rows).write_csv(path)
    config = dataset(
        run.tmp_path,
        [{"name": "events", "kind": "csv", "path": str(path)}],
        mapping=mapping(EVENT_VALUE={"column": "value"}),
    )
    return run.args(config)


def _future_leaves_too_few(run: Run) -> list[str]:
    rows = events(n_users=30, per_user=30)[:990] + [dict(events()[0], when="4102444800")]  # 2100-01-01
    return run.args(csv_dataset(run.tmp_path, rows=rows))


def _version_exists(run: Run) -> list[str]:
    config = csv_dataset(run.tmp_path)
    assert main(run.args(config, "v1", None, "--quiet")) == 0
    csv_file(run.tmp_path, rows=events(per_user=31))
    return run.args(config)


def _output_is_a_file(run: Run) -> list[str]:
    (run.tmp_path / "out").write_text("not a directory")
    return run.args(csv_dataset(run.tmp_path))


def _s3_source(run: Run, uri: str, create: str | None = None) -> list[str]:
    s3, endpoint = run.s3()
    if create:
        s3.create_bucket(Bucket=create)
    return run.args(
        dataset(run.tmp_path, [{"name": "events", "kind": "csv", "path": uri}]), "v1", None, "--endpoint", endpoint
    )


def _s3_output_missing_bucket(run: Run) -> list[str]:
    _, endpoint = run.s3()
    return run.args(csv_dataset(run.tmp_path), "v1", "s3://no-such-output-bucket/team", "--endpoint", endpoint)


def _unreachable_endpoint(run: Run) -> list[str]:
    run.monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")  # nothing listens on port 9: no retries needed to tell
    return run.args(
        dataset(run.tmp_path, [{"name": "events", "kind": "csv", "path": "s3://raw/events.csv"}]),
        "v1",
        None,
        "--endpoint",
        "http://127.0.0.1:9",
    )


def _sql(dsn: str, query: str = "SELECT 1") -> Callable[[Run], list[str]]:
    return lambda run: run.args(dataset(run.tmp_path, [{"name": "db", "kind": "sql", "dsn": dsn, "query": query}]))


def _with(version: str = "v1", *extra: str, body=None, **interactions) -> Callable[[Run], list[str]]:
    return lambda run: run.args(csv_dataset(run.tmp_path, body, **interactions), version, None, *extra)


CASES = [
    Case(
        "version climbing out",
        _with("../../evil"),
        2,
        "--version has value '../../evil'; allowed: ",
        (DATASET_VERSION_ALLOWED,),
    ),
    Case("version with a space", _with("v 2"), 2, "--version has value 'v 2'; allowed: "),
    Case("version empty", _with(""), 2, "--version has value ''; allowed: "),
    Case("version too long", _with("v" * 41), 2, f"--version has value '{'v' * 41}'"),
    Case(
        "missing argument",
        lambda run: ["--config", "x.yaml"],
        2,
        "the following arguments are required: --version, --output",
    ),
    Case("window days not a number", _with("v1", "--window-days", "x"), 2, "--window-days has value 'x'"),
    Case(
        "threshold out of range",
        _with("v1", "--max-parse-failures", "2"),
        2,
        "--max-parse-failures has value '2'; allowed",
    ),
    Case(
        "missing dataset file",
        lambda run: run.args(str(run.tmp_path / "none.yaml")),
        2,
        "",
        ("none.yaml: no such dataset file",),
    ),
    Case("a tab in the YAML", _yaml("name: bad\ninteractions:\n\tsources: []\n"), 2, "", ("line 3, column 1", "tabs")),
    Case("YAML syntax error", _yaml("name: [bad\n"), 2, "", ("dataset.yaml: line", "not valid YAML")),
    Case("empty dataset file", _yaml(""), 2, "", ("dataset.yaml: the dataset file holds nothing",)),
    Case("dataset file is a list", _yaml("- name: bad\n"), 2, "", ("holds list",)),
    Case("unknown key", _yaml("name: bad\ncolour: red\n"), 2, "", ("key 'colour' has value 'red'",)),
    Case(
        "threshold out of range in the file",
        _threshold_in_file,
        2,
        "",
        ("key 'maxParseFailures' has value 5",),
    ),
    Case(
        "missing source file",
        lambda run: run.args(dataset(run.tmp_path, [{"name": "events", "kind": "csv", "path": "gone.csv"}])),
        2,
        "interactions source 'events': no such file: ",
        ("gone.csv",),
    ),
    Case("empty CSV", _with(body=""), 2, "interactions: cannot read the sources 'events'", ("events.csv", "empty")),
    Case(
        "malformed CSV",
        _with(body='user,item,kind,when\nu1,"i1,click,1\nu2,i2\n'),
        2,
        "interactions: cannot read the sources 'events'",
        ("events.csv",),
    ),
    Case("latin-1 CSV", _latin1, 2, "interactions: cannot read the sources 'events'", ("events.csv", "not UTF-8")),
    Case("TSV read as CSV", _tsv, 2, "interactions.mapping.USER_ID: the sources have no column 'user'", ("delimited",)),
    Case(
        "missing column",
        _with(mapping=mapping(ITEM_ID={"column": "sku"})),
        2,
        "interactions.mapping.ITEM_ID: the sources have no column 'sku'",
        ("'user', 'item'",),
    ),
    Case("query on an unknown table", _with(query="SELECT * FROM nope"), 2, "interactions.query: ", ("nope",)),
    Case(
        "query syntax error", _with(query="SELEC * FROM events"), 2, "interactions.query: sql parser error", ("SELEC",)
    ),
    Case(
        "query on an unknown column", _with(query="SELECT colour FROM events"), 2, "interactions.query: ", ("colour",)
    ),
    Case(
        "parquet that is not parquet",
        lambda run: run.args(
            dataset(run.tmp_path, [{"name": "events", "kind": "parquet", "path": csv_file(run.tmp_path)}])
        ),
        2,
        "interactions: cannot read the sources 'events'",
        ("parquet",),
    ),
    Case(
        "jsonl that is not jsonl",
        lambda run: run.args(
            dataset(run.tmp_path, [{"name": "events", "kind": "jsonl", "path": csv_file(run.tmp_path)}])
        ),
        2,
        "interactions: cannot read the sources 'events'",
    ),
    Case(
        "header only",
        _with(body="user,item,kind,when\n"),
        3,
        "the dataset does not meet the service's rules",
        ("minimum interactions: 0",),
    ),
    Case(
        "a third of the timestamps in no known form",
        _third_unparsed,
        3,
        "the dataset does not meet",
        (
            "interactions.TIMESTAMP (column 'when'): 33.3% of 1,200 values",
            "the 1.00% allowed",
            "'31/12/2023 10:00:00 PM'",
        ),
    ),
    Case(
        "a tenth of the event values not numbers",
        _bad_event_values,
        3,
        "the dataset does not meet",
        ("interactions.EVENT_VALUE (column 'value'): 10.0% of 1,200 values not float", "'n/a'"),
    ),
    Case(
        "future timestamps leave too few",
        _future_leaves_too_few,
        3,
        "the dataset does not meet",
        ("1 interactions with timestamps in the future were dropped (the latest 2100-01-01",),
    ),
    Case(
        "version exists with other content",
        _version_exists,
        2,
        "dataset version 'v1' already exists",
        ("versions are immutable",),
        exports=True,
    ),
    Case("output is a file", _output_is_a_file, 2, "--output ", ("cannot write",)),
    Case(
        "summary into a missing folder",
        lambda run: run.args(csv_dataset(run.tmp_path), "v1", None, "--summary", str(run.tmp_path / "no" / "s.html")),
        2,
        "--summary ",
        ("cannot write",),
        exports=True,
    ),
    Case(
        "SQL server unreachable",
        _sql("postgresql://u:secret@127.0.0.1:9/db?connect_timeout=2"),
        2,
        "cannot connect to PostgreSQL (host 127.0.0.1, port 9, database db)",
    ),
    Case("DSN variable not set", _sql("${PREP_NO_SUCH_DSN}"), 2, "environment: key 'PREP_NO_SUCH_DSN'"),
    Case(
        "S3 source in a missing bucket",
        lambda run: _s3_source(run, "s3://no-such-bucket/events.csv"),
        2,
        "interactions source 'events' (s3://no-such-bucket/events.csv): ",
        ("bucket 'no-such-bucket' does not exist",),
    ),
    Case(
        "S3 source key missing",
        lambda run: _s3_source(run, "s3://raw-empty/events.csv", create="raw-empty"),
        2,
        "interactions source 'events' (s3://raw-empty/events.csv): not found",
        ("raw-empty",),
    ),
    Case(
        "S3 prefix with no objects",
        lambda run: _s3_source(run, "s3://raw-none/events/", create="raw-none"),
        2,
        "interactions source 'events': no objects under s3://raw-none/events/",
    ),
    Case(
        "S3 output in a missing bucket",
        _s3_output_missing_bucket,
        2,
        "--output s3://no-such-output-bucket/team: the bucket 'no-such-output-bucket' does not exist",
    ),
    Case(
        "S3 endpoint unreachable",
        _unreachable_endpoint,
        2,
        "interactions source 'events' (s3://raw/events.csv): cannot reach the S3 endpoint http://127.0.0.1:9",
    ),
]


def _code(argv: list[str]) -> int:
    try:
        return main([*argv, "--quiet"])
    except SystemExit as exit:  # argparse's own refusals
        return int(exit.code or 0)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_a_bad_input_is_one_line_and_an_exit_code(case, tmp_path, request, monkeypatch, capsys):
    run = Run(tmp_path, request, monkeypatch)
    argv = case.setup(run)
    capsys.readouterr()  # what a setup printed
    code = _code(argv)
    err = capsys.readouterr().err
    assert "Traceback" not in err
    # The report may come first (a validation failure); the last lines are prep's.
    lines = [line for line in err.splitlines() if line.startswith("prep: ") and not line.startswith("prep: warning:")]
    assert lines, err
    message = err[err.index(lines[0]) :]
    assert code == case.code, err
    assert message.startswith(f"prep: {case.start}"), err
    for name in case.names:
        assert name in message, err
    if not case.exports:
        assert not (tmp_path / "out" / "datasets").exists()  # nothing exported


def test_a_bad_version_writes_nothing_anywhere(tmp_path, capsys):
    config = csv_dataset(tmp_path)
    assert _code(["--config", config, "--version", "../../evil", "--output", str(tmp_path / "a" / "b")]) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dataset.yaml", "events.csv"]


@pytest.mark.parametrize(
    "argv, code, start",
    [
        (["--version", "../../evil", "--output", "out"], 2, "prep: --version has value '../../evil'; allowed: "),
        (["--version", "v1", "--output", "out"], 2, "prep: "),
    ],
    ids=["bad version", "tab in the YAML"],
)
def test_the_command_as_run_by_a_person(tmp_path, argv, code, start):
    config = tmp_path / "dataset.yaml"
    config.write_text("name: bad\ninteractions:\n\tsources: []\n")
    done = subprocess.run(
        [sys.executable, "-m", "prep", "--config", str(config), *argv, "--quiet"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, "PREP_TRACEBACK": "", "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == code and done.stderr.startswith(start) and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dataset.yaml"]
