"""The job script of a Spark job that prepares a dataset version: AWS Glue's
ScriptLocation, EMR's or EMR Serverless' entry point, or spark-submit's
application; `python -m prep --engine spark` with the job's arguments.

    spark-submit --py-files prep.zip prep/spark_job.py \\
        --config s3://bucket/datasets/shop.yaml --version v7 --output s3://bucket

Only prep's own options are taken from the arguments: AWS Glue adds its own
(--JOB_NAME, --JOB_RUN_ID, --TempDir, ...). A --config on S3 is read from
there first. See docs/spark.md."""

import sys
import tempfile
from pathlib import Path

# prep's options that take a value, as `python -m prep --help` lists them.
OPTIONS = ("--config", "--version", "--output", "--endpoint", "--window-days", "--max-parse-failures", "--summary")


def prep_arguments(argv: list[str]) -> list[str]:
    """prep's options and their values, in their order; anything else left out."""
    kept = []
    for i, arg in enumerate(argv):
        name, has_value, _ = arg.partition("=")
        if name in OPTIONS:
            kept += [arg] if has_value else argv[i : i + 2]
    return kept


def local_config(argv: list[str], workdir: Path) -> list[str]:
    """The arguments with an s3:// --config downloaded into `workdir`."""
    args = list(argv)
    for i, arg in enumerate(args[:-1]):
        if arg == "--config" and args[i + 1].startswith("s3://"):
            from prep.pipeline import s3_client, s3_errors

            bucket, _, key = args[i + 1][5:].partition("/")
            target = workdir / Path(key).name
            with s3_errors(f"--config {args[i + 1]}", bucket, None):
                s3_client(None).download_file(bucket, key, str(target))
            args[i + 1] = str(target)
    return args


def main(argv: list[str]) -> int:
    from prep.__main__ import main as prep

    with tempfile.TemporaryDirectory(prefix="prep-job-") as tmp:
        try:
            args = local_config(prep_arguments(argv), Path(tmp))
        except Exception as error:  # an InputError: said as prep says it
            print(f"prep: {error}", file=sys.stderr)
            return 2
        return prep([*args, "--engine", "spark", "--quiet"])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
