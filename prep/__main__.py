"""python -m prep --config datasets/online-retail.yaml --version v1 --output s3://bucket
[--endpoint URL] [--window-days N] [--max-parse-failures SHARE] [--summary report.html]
[--engine spark [--spark-master local[4]]]

Every failure is one line on stderr, `prep: ...`, and an exit code (see --help)."""

import argparse
import os
import re
import sys
from pathlib import Path
from typing import NoReturn

from common.layout import DATASETS_PREFIX, INTERACTIONS_FILE
from prep.config import PrepConfigError, Window, load_config
from prep.errors import (
    EXIT_BAD_INPUT,
    EXIT_CODES_HELP,
    EXIT_INTERNAL,
    EXIT_INVALID_DATA,
    EXIT_OK,
    InputError,
    first_line,
)
from prep.pipeline import ValidationFailed, VersionExists, check_version, prepare, s3_client, s3_errors
from prep.report import text_report, write_summary
from prep.sources.sql import SqlSourceError


class _Parser(argparse.ArgumentParser):
    """argparse, its errors said as prep's: one line, `prep: ...`, exit code 2."""

    def error(self, message: str) -> NoReturn:
        # "argument --window-days: --window-days has value ..." says the option once.
        message = re.sub(r"^argument (\S+): (?=\1 )", "", message)
        self.exit(EXIT_BAD_INPUT, f"prep: {message} (see python -m prep --help)\n")


def main(argv: list[str] | None = None) -> int:
    parser = _Parser(
        prog="python -m prep",
        description="Prepare, validate and export a versioned Personalize dataset.",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--config", required=True, help="the dataset's YAML file, e.g. datasets/online-retail.yaml")
    parser.add_argument("--version", required=True, help="the version to export; versions are immutable")
    parser.add_argument(
        "--output",
        required=True,
        help=f"a directory, or s3://bucket[/prefix]; files go under {DATASETS_PREFIX}<version>/",
    )
    parser.add_argument("--endpoint", help="an S3 endpoint URL, e.g. personalize-local's")
    parser.add_argument(
        "--window-days",
        type=_days,
        help="a sliding training window: keep only the N days before "
        "the holdout (overrides the dataset's window.days; a new window is a new version)",
    )
    parser.add_argument(
        "--max-parse-failures",
        type=_share,
        help="fail when more than this share (0 to 1) of a column's non-empty values do not parse "
        "(overrides the dataset's maxParseFailures, default 0.01)",
    )
    parser.add_argument("--summary", type=Path, help="also write an HTML page with charts here")
    parser.add_argument(
        "--engine",
        choices=("polars", "spark"),
        default="polars",
        help="polars (this machine, the default) or spark (a Spark cluster: the same version; docs/spark.md)",
    )
    parser.add_argument(
        "--spark-master",
        help="with --engine spark: Spark's master URL, e.g. local[4]; default: the cluster's "
        "(spark-submit, AWS Glue, EMR), else local[*]",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    try:
        # Before anything is read or written: the version names a folder.
        check_version(args.version)
        if args.spark_master and args.engine != "spark":
            raise InputError(f"--spark-master has value {args.spark_master!r}; allowed: only with --engine spark")
        config = load_config(args.config)
        if args.window_days:
            config = config.model_copy(update={"window": Window(days=args.window_days)})
        run = _spark_engine(args).prepare if args.engine == "spark" else prepare
        manifest = run(
            config,
            args.version,
            args.output,
            s3_endpoint=args.endpoint,
            progress=not args.quiet,
            max_parse_failures=args.max_parse_failures,
        )
        _warn(manifest)
        print(text_report(manifest))
        if args.summary:
            training = _training_file(manifest, args)
            try:
                write_summary(manifest, training, args.summary)
            except OSError as error:
                raise InputError(f"--summary {args.summary}: cannot write it: {first_line(error)}") from None
            print(f"summary written to {args.summary}")
    except (InputError, PrepConfigError, VersionExists, SqlSourceError) as error:
        print(f"prep: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except ValidationFailed as error:
        print(text_report(error.manifest), file=sys.stderr)
        _warn(error.manifest)
        print(f"prep: {error}", file=sys.stderr)
        return EXIT_INVALID_DATA
    except Exception as error:  # a bug of prep: one line unless asked for the traceback
        if os.environ.get("PREP_TRACEBACK"):
            raise
        print(
            f"prep: internal error ({type(error).__name__}): {first_line(error)}; "
            "set PREP_TRACEBACK=1 for the traceback, and please report it",
            file=sys.stderr,
        )
        return EXIT_INTERNAL
    return EXIT_OK


def _spark_engine(args):
    """The spark engine on its session; pyspark (and Java) only when asked for."""
    try:
        import pandas  # noqa: F401  (pyspark's mapInArrow requires it)
        import pyarrow  # noqa: F401
        import pyspark  # noqa: F401
    except ImportError as error:
        raise InputError(
            f"--engine spark: cannot import {error.name or 'pyspark'}; allowed: an environment with pyspark, "
            "pyarrow and pandas (requirements-dev.txt; on a cluster see docs/spark.md)"
        ) from None
    from prep.spark import SparkEngine, session

    try:
        return SparkEngine(session(args.spark_master))
    except Exception as error:  # no Java, a master that does not answer, ...
        if os.environ.get("PREP_TRACEBACK"):
            raise
        raise InputError(f"--engine spark: cannot start Spark: {first_line(error)}") from None


def _warn(manifest: dict) -> None:
    for warning in manifest.get("warnings", []):
        print(f"prep: warning: {warning}", file=sys.stderr)


def _days(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"--window-days has value {text!r}; allowed: a whole number of days >= 1")
    return int(text)


def _share(text: str) -> float:
    try:
        share = float(text)
    except ValueError:
        share = -1.0
    if not 0 <= share <= 1:
        raise argparse.ArgumentTypeError(f"--max-parse-failures has value {text!r}; allowed: a share from 0 to 1")
    return share


def _training_file(manifest: dict, args) -> Path:
    location = manifest["location"]
    if not location.startswith("s3://"):
        return Path(location) / INTERACTIONS_FILE
    import tempfile

    bucket, _, key = location[5:].partition("/")
    target = Path(tempfile.mkdtemp(prefix="prep-summary-")) / Path(INTERACTIONS_FILE).name
    with s3_errors(f"--summary (reading {location}{INTERACTIONS_FILE})", bucket, args.endpoint):
        s3_client(args.endpoint).download_file(bucket, key + INTERACTIONS_FILE, str(target))
    return target


if __name__ == "__main__":
    sys.exit(main())
