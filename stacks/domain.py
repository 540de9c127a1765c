"""A dataset group and its data: the schemas and datasets of one exported
version, their imports, the group's event tracker, filters, metric attribution
and exports. Every experiment of the group trains on this data, so it is
imported once, and events sent to its one tracker reach every experiment's
next training.

A group declared under datasetGroups is a `DataDomain` component of its own.
An experiment of the first form (datasetVersion) builds its group inside its
own component, with the names and resource names it always had, so a stack
deployed by an earlier release plans no replacement."""

import json
from dataclasses import dataclass, field
from typing import Any

import pulumi

from common.layout import DATASET_FILES, EXPORTS_PREFIX, METRICS_PREFIX, dataset_prefix
from common.names import bounded_name, fingerprint
from providers.dataset import Dataset
from providers.dataset_export_job import DatasetExportJob
from providers.dataset_group import DatasetGroup
from providers.dataset_import_job import DatasetImportJob
from providers.event_tracker import EventTracker
from providers.filter import Filter
from providers.metric_attribution import MetricAttribution
from providers.schema import Schema
from stacks import config
from stacks.tags import tag_input, tags

# The API's dataset types, by the name data preparation exports them under.
DATASET_TYPES = {"interactions": "Interactions", "items": "Items", "users": "Users"}


@dataclass
class GroupData:
    """What the experiments of a group build on."""

    name: str
    base: str  # the physical name the group's resources start with
    group: DatasetGroup
    datasets: dict[str, Dataset]
    imports: dict[str, DatasetImportJob]
    filters: dict[str, Filter]
    tracker: EventTracker | None
    metric_attribution: MetricAttribution | None = None
    exports: dict[str, DatasetExportJob] = field(default_factory=dict)

    @property
    def arn(self) -> pulumi.Output[str]:
        """The group's ARN as the resources in it name it (PersonalizeResource.reference)."""
        return self.group.reference


def build(
    group: config.DatasetGroup,
    schemas: dict[str, dict[str, Any]],
    stack: config.StackConfig,
    bucket: pulumi.Input[str],
    role_arn: pulumi.Input[str],
    parent: pulumi.Resource,
    wait_unless_serving: str | list[str] | None,
    owner: config.Experiment | None = None,
) -> GroupData:
    """The group's resources under `parent`. `schemas`: the Avro schema of each
    dataset, by kind. `wait_unless_serving`: the campaigns that, all serving a
    model, let the imports run on without `up` waiting for them (None: wait).
    `owner`: the first-form experiment whose own group this is, built with the
    names it always had."""
    first_form = owner is not None
    common = stack.resource_inputs()
    base = stack.base_name(group.name)
    label = group.name
    tagged = tags(stack, group, owner)

    def child(*depends_on):
        return pulumi.ResourceOptions(parent=parent, depends_on=list(depends_on))

    dataset_group = DatasetGroup(
        f"{label}-group",
        child(),
        name=base,
        **({"domain": group.domain} if group.domain else {}),
        **tag_input(DatasetGroup, tagged),
        **common,
    )
    datasets: dict[str, Dataset] = {}
    imports: dict[str, DatasetImportJob] = {}
    background = {"waitUnlessServing": wait_unless_serving} if wait_unless_serving else {}
    for kind, schema in schemas.items():
        # The first form's names: one Interactions dataset, named without a kind in its logical name.
        suffix = "" if first_form else f"-{kind}"
        schema_resource = Schema(
            f"{label}-schema{suffix}",
            child(),
            name=bounded_name([base, kind], fingerprint(schema)),
            schema=json.dumps(schema),
            datasetType=DATASET_TYPES[kind],
            **({"domain": group.domain} if group.domain else {}),
            **common,
        )
        datasets[kind] = Dataset(
            f"{label}-{kind}",
            child(),
            name=bounded_name([base, kind]),
            datasetType=DATASET_TYPES[kind],
            datasetGroupArn=dataset_group.reference,
            schemaArn=schema_resource.reference,
            **tag_input(Dataset, tagged),
            **common,
        )
        location = pulumi.Output.concat(
            "s3://", bucket, "/", dataset_prefix(group.dataset_version), DATASET_FILES[kind]
        )
        imports[kind] = DatasetImportJob(
            f"{label}-import" if first_form else f"{label}-{kind}-import",
            child(),
            # Job names are never freed; a new schema (a recreated dataset) is a new import.
            jobName=bounded_name([base, group.dataset_version])
            if first_form
            else bounded_name([base, kind, group.dataset_version], fingerprint(schema)),
            datasetArn=datasets[kind].reference,
            dataSource={"dataLocation": location},
            roleArn=role_arn,
            importMode="FULL" if first_form else group.import_mode,
            **tag_input(DatasetImportJob, tagged),
            **background,
            **common,
        )
    every_dataset = list(datasets.values())
    tracker = (
        EventTracker(
            f"{label}-tracker",
            child(datasets["interactions"]),
            name=base,
            datasetGroupArn=dataset_group.reference,
            **tag_input(EventTracker, tagged),
            **common,
        )
        if group.event_tracker
        else None
    )
    filters = {
        name: Filter(
            f"{label}-filter-{name}",
            child(*every_dataset),
            name=bounded_name([base, name]),
            datasetGroupArn=dataset_group.reference,
            filterExpression=expression,
            **tag_input(Filter, tagged),
            **common,
        )
        for name, expression in group.filters.items()
    }
    data = GroupData(label, base, dataset_group, datasets, imports, filters, tracker)
    if group.metric_attribution is not None:
        data.metric_attribution = _metric_attribution(group, data, bucket, role_arn, child, tagged, common)
    if group.export is not None:
        for kind in group.export.datasets:
            data.exports[kind] = DatasetExportJob(
                f"{label}-{kind}-export",
                child(imports[kind]),
                jobName=bounded_name([base, "export", kind, group.dataset_version], group.export.ingestion_mode),
                datasetArn=datasets[kind].reference,
                ingestionMode=group.export.ingestion_mode,
                roleArn=role_arn,
                jobOutput={
                    "s3DataDestination": {
                        "path": pulumi.Output.concat(
                            "s3://", bucket, "/", EXPORTS_PREFIX, group.name, "/", group.dataset_version, "/", kind, "/"
                        )
                    }
                },
                **tag_input(DatasetExportJob, tagged),
                **common,
            )
    return data


def _metric_attribution(group, data: GroupData, bucket, role_arn, child, tagged, common) -> MetricAttribution:
    attribution = group.metric_attribution
    output: dict[str, Any] = {"roleArn": role_arn}
    if attribution.s3_output:
        output["s3DataDestination"] = {
            "path": pulumi.Output.concat("s3://", bucket, "/", METRICS_PREFIX, group.name, "/")
        }
    return MetricAttribution(
        f"{group.name}-metrics",
        child(*data.datasets.values()),
        name=data.base,
        datasetGroupArn=data.arn,
        metrics=[
            {"eventType": m.event_type, "metricName": m.metric_name, "expression": m.expression}
            for m in attribution.metrics
        ],
        metricsOutputConfig=output,
        **tag_input(MetricAttribution, tagged),
        **common,
    )


class DataDomain(pulumi.ComponentResource):
    """A declared dataset group: its data, shared by the experiments that name it."""

    data: GroupData

    def __init__(
        self,
        group: config.DatasetGroup,
        schemas: dict[str, dict[str, Any]],
        stack: config.StackConfig,
        bucket: pulumi.Input[str],
        role_arn: pulumi.Input[str],
        wait_unless_serving: str | list[str] | None,
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("personalize:domain:DatasetGroup", group.name, None, opts)
        self.data = build(group, schemas, stack, bucket, role_arn, self, wait_unless_serving)
        self.register_outputs({"datasetGroupArn": self.data.arn})
