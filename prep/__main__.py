"""python -m prep --config datasets/online-retail.yaml --version v1 --output s3://bucket
[--endpoint URL] [--window-days N] [--summary report.html]"""

import argparse
import sys
from pathlib import Path

from common.layout import DATASETS_PREFIX, INTERACTIONS_FILE
from prep.config import PrepConfigError, Window, load_config
from prep.pipeline import ValidationFailed, VersionExists, prepare
from prep.report import text_report, write_summary
from prep.sources.sql import SqlSourceError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m prep", description="Prepare, validate and export a versioned Personalize dataset."
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
    parser.add_argument("--summary", type=Path, help="also write an HTML page with charts here")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    try:
        config = load_config(args.config)
        if args.window_days:
            config = config.model_copy(update={"window": Window(days=args.window_days)})
        manifest = prepare(config, args.version, args.output, s3_endpoint=args.endpoint, progress=not args.quiet)
    except (PrepConfigError, VersionExists, KeyError, SqlSourceError) as error:
        print(f"prep: {error}", file=sys.stderr)
        return 2
    except ValidationFailed as error:
        print(text_report(error.manifest), file=sys.stderr)
        print(f"prep: {error}", file=sys.stderr)
        return 3
    print(text_report(manifest))
    if args.summary:
        training = _training_file(manifest, args)
        write_summary(manifest, training, args.summary)
        print(f"summary written to {args.summary}")
    return 0


def _days(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"--window-days has value {text!r}; allowed: a whole number of days >= 1")
    return int(text)


def _training_file(manifest: dict, args) -> Path:
    location = manifest["location"]
    if not location.startswith("s3://"):
        return Path(location) / INTERACTIONS_FILE
    import tempfile

    import boto3

    bucket, _, key = location[5:].partition("/")
    target = Path(tempfile.mkdtemp(prefix="prep-summary-")) / Path(INTERACTIONS_FILE).name
    boto3.client("s3", endpoint_url=args.endpoint).download_file(bucket, key + INTERACTIONS_FILE, str(target))
    return target


if __name__ == "__main__":
    sys.exit(main())
