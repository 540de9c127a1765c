"""What is in progress per experiment and per dataset group, from the stack's
outputs and one Describe per running job: no engine run, so it is safe beside
a running `up` and cheap enough for a scheduled check.

Experiments served by a campaign show their training; those served by a
recommender (a domain dataset group) the recommender's status. Stacks with
named dataset groups (the `datasetGroups` output) also get a table of the
groups: each dataset's import, the event tracker and the metric attribution.
Outputs of earlier releases have no such output, and no groups table."""

from service.client import client
from service.connection import from_output

RUNNING = ("WAITING FOR IMPORT", "CREATE PENDING", "CREATE IN_PROGRESS")
RECOMMENDER_RUNNING = (
    "CREATE PENDING",
    "CREATE IN_PROGRESS",
    "START PENDING",
    "START IN_PROGRESS",
    "STOP PENDING",
    "STOP IN_PROGRESS",
)
IMPORT_RUNNING = ("CREATE PENDING", "CREATE IN_PROGRESS")
SETTLED = ("ACTIVE", "CREATE FAILED", "CREATE STOPPED")
HEADER = ("experiment", "data", "training (recorded)", "training (now)", "served version", "gate")
DATASET_TYPES = ("interactions", "items", "users")
GROUP_HEADER = ("dataset group", "domain", "data", *DATASET_TYPES, "event tracker", "metric attribution", "experiments")
CONTINUE = " (run `pulumi up` to continue)"
FINISHED = "*"  # a group's import that finished since the outputs were recorded
FINISHED_NOTE = f"{FINISHED} finished since the last `pulumi up`: run it to continue"


def rows(
    outputs: dict, describe_version=None, describe_import=None, describe_recommender=None
) -> list[tuple[str, ...]]:
    """One row per experiment. `describe_*` answer the live status of an ARN;
    by default they ask the service at the stack's own connection."""
    describe = _Describers(outputs.get("connection") or {}, describe_version, describe_import, describe_recommender)
    promotions = outputs.get("promotions") or {}
    table: list[tuple[str, ...]] = []
    for name, experiment in sorted(outputs["experiments"].items()):
        experiment = experiment or {}
        if experiment.get("servedBy") == "recommender":
            table.append(_recommender_row(name, experiment, describe))
            continue
        recorded = experiment.get("trainingStatus") or "-"
        version = experiment.get("solutionVersionArn")
        if recorded not in RUNNING:
            now = recorded
        elif version:
            now = describe.version(version)
        else:
            now = f"import {describe.job(experiment['importJobArn'])}" if experiment.get("importJobArn") else recorded
        if (recorded in RUNNING and now in SETTLED) or now == "import ACTIVE":
            now += CONTINUE
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


def _recommender_row(name: str, experiment: dict, describe: "_Describers") -> tuple[str, ...]:
    """A recommender trains when it is created: its status stands in the training columns."""
    recorded = experiment.get("recommenderStatus") or "-"
    arn = experiment.get("recommenderArn")
    now = describe.recommender(arn) if recorded in RECOMMENDER_RUNNING and arn else recorded
    if recorded in RECOMMENDER_RUNNING and now not in RECOMMENDER_RUNNING:
        now += CONTINUE
    return (name, experiment.get("datasetVersion") or "-", recorded, now, "recommender", "-")


def group_rows(outputs: dict, describe_import=None) -> list[tuple[str, ...]]:
    """One row per dataset group of the `datasetGroups` output (none for outputs of
    earlier releases): each dataset's import status, live where it was running."""
    groups = outputs.get("datasetGroups")
    if not isinstance(groups, dict):
        return []
    describe = _Describers(outputs.get("connection") or {}, None, describe_import, None)
    table: list[tuple[str, ...]] = []
    for name, group in sorted(groups.items()):
        group = group or {}
        datasets = group.get("datasets") or {}
        imports = []
        for kind in DATASET_TYPES:
            dataset = datasets.get(kind)
            if not dataset:
                imports.append("-")
                continue
            recorded = dataset.get("importStatus") or "-"
            job = dataset.get("importJobArn")
            now = describe.job(job) if recorded in IMPORT_RUNNING and job else recorded
            imports.append(now + (FINISHED if recorded in IMPORT_RUNNING and now in SETTLED else ""))
        attribution = group.get("metricAttributionArn")
        table.append(
            (
                name,
                group.get("domain") or "custom",
                group.get("datasetVersion") or "-",
                *imports,
                "yes" if group.get("eventTracker") else "no",
                attribution.rsplit("/", 1)[-1] if attribution else "-",
                ", ".join(group.get("experiments") or []) or "-",
            )
        )
    return table


def render(outputs: dict, **describers) -> str:
    text = _table([HEADER, *rows(outputs, **describers)])
    groups = group_rows(outputs, describe_import=describers.get("describe_import"))
    if groups:
        text += "\n" + _table([GROUP_HEADER, *groups])
        if any(FINISHED in cell for row in groups for cell in row[3:6]):
            text += FINISHED_NOTE + "\n"
    return text


def _table(table: list[tuple[str, ...]]) -> str:
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in table]
    return "\n".join(lines) + "\n"


class _Describers:
    """The live status of a solution version, an import job or a recommender: the
    given functions, else the service at the stack's connection, asked only when needed."""

    def __init__(self, connection: dict, version, job, recommender):
        self._connection, self._api = connection, None
        self.version = version or (
            lambda arn: self.api.describe_solution_version(solutionVersionArn=arn)["solutionVersion"]["status"]
        )
        self.job = job or (
            lambda arn: self.api.describe_dataset_import_job(datasetImportJobArn=arn)["datasetImportJob"]["status"]
        )
        self.recommender = recommender or (
            lambda arn: self.api.describe_recommender(recommenderArn=arn)["recommender"]["status"]
        )

    @property
    def api(self):
        if self._api is None:
            self._api = client("personalize", connection=from_output(self._connection))
        return self._api
