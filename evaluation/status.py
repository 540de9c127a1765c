"""What is in progress per experiment, from the stack's outputs and one Describe
per running job: no engine run, so it is safe beside a running `up` and cheap
enough for a scheduled check."""

RUNNING = ("WAITING FOR IMPORT", "CREATE PENDING", "CREATE IN_PROGRESS")
HEADER = ("experiment", "data", "training (recorded)", "training (now)", "served version", "gate")


def rows(outputs: dict, describe_version=None, describe_import=None) -> list[tuple[str, ...]]:
    """One row per experiment. `describe_*` answer the live status of an ARN;
    by default they ask the service at the stack's own connection."""
    if describe_version is None or describe_import is None:
        describe_version, describe_import = _describers(outputs.get("connection") or {})
    promotions = outputs.get("promotions") or {}
    table: list[tuple[str, ...]] = []
    for name, experiment in sorted(outputs["experiments"].items()):
        recorded = experiment.get("trainingStatus") or "-"
        version = experiment.get("solutionVersionArn")
        if recorded not in RUNNING:
            now = recorded
        elif version:
            now = describe_version(version)
        else:
            now = (
                f"import {describe_import(experiment['importJobArn'])}" if experiment.get("importJobArn") else recorded
            )
        if (recorded in RUNNING and now in ("ACTIVE", "CREATE FAILED", "CREATE STOPPED")) or now == "import ACTIVE":
            now += " (run `pulumi up` to continue)"
        served = (experiment.get("servedVersionArn") or "-").rsplit("/", 1)[-1]
        table.append(
            (
                name,
                experiment.get("datasetVersion") or "-",
                recorded,
                now,
                served,
                (promotions.get(name) or {}).get("decision") or "-",
            )
        )
    return table


def render(outputs: dict, **describers) -> str:
    table = [HEADER, *rows(outputs, **describers)]
    widths = [max(len(row[i]) for row in table) for i in range(len(HEADER))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in table]
    return "\n".join(lines) + "\n"


def _describers(connection: dict):
    import boto3

    api = boto3.client("personalize", region_name=connection.get("region"), endpoint_url=connection.get("endpoint"))
    version = lambda arn: api.describe_solution_version(solutionVersionArn=arn)["solutionVersion"]["status"]
    job = lambda arn: api.describe_dataset_import_job(datasetImportJobArn=arn)["datasetImportJob"]["status"]
    return version, job
