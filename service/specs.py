"""Every Personalize resource type the project manages, declared as data.

A spec says only what the service model cannot: the resource's noun, which
members an update changes in place, our defaults where the service's differ,
the service's documented defaults for what a stack may leave out, which statuses mean done, failed or still running, and which described
members are exported. Everything the model knows is derived from it: the
operation names, the ARN member, the key of the description, the list
operation, its result key and the members it is filtered by, where an
update's status lives and whether the API reports a failure reason."""

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from common.statuses import ACTIVE, CREATE_FAILED, CREATE_RUNNING, CREATE_STOPPED, DELETE_FAILED, INACTIVE
from servicemodel.requests import SERVICE, operation, request_members, service_operations

_PAGING = ("nextToken", "maxResults")
# What service.lifecycle calls on every type that takes tags (Lifecycle.tags, sync_tags).
TAG_OPERATIONS = ("TagResource", "UntagResource", "ListTagsForResource")


@dataclass(frozen=True)
class ResourceSpec:
    noun: str  # "DatasetGroup": CreateDatasetGroup, DescribeDatasetGroup, ...
    kind: str  # "dataset group", for messages
    name_member: str = "name"  # "jobName" for jobs
    updatable: tuple[str, ...] = ()  # members the update operation changes in place
    defaults: dict[str, Any] = field(default_factory=dict)  # ours, where the service's differ
    # The service's documented value of a member (or of a key inside one) a stack
    # leaves out: a read reports a described value that moved off it as drift.
    # Only documented ones: a value the service fills in without one is not drift.
    # An update sends the default of a removed key back (service.lifecycle.reset_removed).
    service_defaults: dict[str, Any] = field(default_factory=dict)
    done: tuple[str, ...] = (ACTIVE,)
    failed: tuple[str, ...] = (CREATE_FAILED,)
    # A job left in one of these (by a create that did not wait) shows a change
    # once the service reports another status.
    running: tuple[str, ...] = CREATE_RUNNING
    update_failed: tuple[str, ...] = (CREATE_FAILED, "UPDATE FAILED")
    # Members whose change is only recorded: what a finished job used (its role)
    # does not make it run again, and a job cannot be renamed, updated or deleted.
    record_only: tuple[str, ...] = ()
    outputs: tuple[str, ...] = ()  # described members exported besides arn and status
    # Where the service allows only one resource of this type, the members that
    # name that place (one dataset of each type per group, one tracker per
    # group): a replacement in the same place must delete the old one first.
    # Empty: names are what is unique, and a replacement whose name the old one
    # still holds takes a name of its own (Lifecycle.replacement_name), so the
    # new one is created before the old one is deleted.
    one_per: tuple[str, ...] = ()
    default_waits: dict[str, float] = field(default_factory=dict)  # where this type takes longer than most
    # List members whose order means nothing, by the key that names an element
    # (a metric attribution's metrics by metricName): a reordered list is no
    # change. Tags are compared so on every type (by tagKey) without being listed.
    unordered: dict[str, str] = field(default_factory=dict)
    # Operations the resource's provider calls besides the lifecycle's (create,
    # describe, list, update, delete, tags): with those, every operation the
    # project calls for this type, which the IAM policies grant (stacks/ci_policies.py).
    also_calls: tuple[str, ...] = ()

    # --- derived from botocore's service model --------------------------------
    @property
    def create_op(self) -> str:
        return f"Create{self.noun}"

    @property
    def describe_op(self) -> str:
        return f"Describe{self.noun}"

    @property
    def delete_op(self) -> str | None:
        """None: the API cannot delete this type (jobs, solution versions)."""
        return _if_modelled(f"Delete{self.noun}")

    @property
    def update_op(self) -> str | None:
        return _if_modelled(f"Update{self.noun}")

    @property
    def list_op(self) -> str:
        return f"List{self.noun}s"

    @cached_property
    def arn_member(self) -> str:
        [member] = operation(SERVICE, self.describe_op).input_shape.required_members
        return member

    @cached_property
    def description_key(self) -> str:
        [key] = operation(SERVICE, self.describe_op).output_shape.members
        return key

    @cached_property
    def described_members(self) -> tuple[str, ...]:
        output = operation(SERVICE, self.describe_op).output_shape
        return tuple(output.members[self.description_key].members)

    @cached_property
    def list_key(self) -> str:
        output = operation(SERVICE, self.list_op).output_shape
        [key] = [k for k, shape in output.members.items() if shape.type_name == "list"]
        return key

    @cached_property
    def list_scope(self) -> tuple[str, ...]:
        """The members the list operation can be filtered by (e.g. datasetGroupArn)."""
        return tuple(k for k in request_members(SERVICE, self.list_op) if k not in _PAGING)

    @cached_property
    def create_members(self) -> tuple[str, ...]:
        return request_members(SERVICE, self.create_op)

    @property
    def operations(self) -> tuple[str, ...]:
        """Every operation the service core and this type's provider call for it."""
        ops = (self.create_op, self.describe_op, self.list_op, self.update_op, self.delete_op)
        return tuple(op for op in ops if op) + (TAG_OPERATIONS if self.taggable else ()) + self.also_calls

    @property
    def taggable(self) -> bool:
        """Whether the type takes tags: its create operation does (not a schema nor a
        metric attribution; https://docs.aws.amazon.com/personalize/latest/dg/tagging-resources.html)."""
        return "tags" in self.create_members

    def element_key(self, member: str) -> str | None:
        """The key that names an element of a list member whose order means nothing."""
        return "tagKey" if member == "tags" else self.unordered.get(member)

    @property
    def has_status(self) -> bool:
        return "status" in self.described_members

    @property
    def reports_failure_reason(self) -> bool:
        return "failureReason" in self.described_members

    @cached_property
    def update_status_key(self) -> str | None:
        """The member an update's own status is reported in (latestCampaignUpdate...);
        None: an update shows on the resource's status."""
        return next((k for k in self.described_members if k.startswith("latest") and k.endswith("Update")), None)


def _if_modelled(op: str) -> str | None:
    return op if op in service_operations(SERVICE) else None


# The resource types, as the table in docs/resources.md lists them.
DATASET_GROUP = ResourceSpec(
    "DatasetGroup",
    "dataset group",
    # Deleting a group takes the service a while after its children are gone.
    failed=(CREATE_FAILED, DELETE_FAILED),
)
SCHEMA = ResourceSpec("Schema", "schema")
# UpdateDataset moves an Items or Users dataset to another (compatible) schema;
# a group has one dataset of each type
# (https://docs.aws.amazon.com/personalize/latest/dg/API_CreateDataset.html).
DATASET = ResourceSpec("Dataset", "dataset", updatable=("schemaArn",), one_per=("datasetGroupArn", "datasetType"))
DATASET_IMPORT_JOB = ResourceSpec(
    "DatasetImportJob",
    "dataset import job",
    name_member="jobName",
    defaults={"importMode": "FULL"},
    record_only=("roleArn",),
)
SOLUTION = ResourceSpec(
    "Solution",
    "solution",
    updatable=("performAutoTraining", "performIncrementalUpdate"),
    # The service trains on a schedule unless told otherwise; training costs
    # money, so ours trains when a version is declared, unless a stack opts in.
    defaults={"performAutoTraining": False},
    # latestSolutionVersion is left out on purpose: it moves whenever any version
    # finishes, and a refresh would report that as a change to the solution.
    outputs=("latestSolutionUpdate",),
)
SOLUTION_VERSION = ResourceSpec(
    "SolutionVersion",
    "solution version",
    defaults={"trainingMode": "FULL"},
    failed=(CREATE_FAILED, CREATE_STOPPED),
    outputs=("trainingHours", "recipeArn", "failureReason"),
    # Trainings of hours are common; four hours is also the deploy role's
    # session in up.yml. Longer ones: raise waits.createSeconds, or do not
    # wait (training.wait false).
    default_waits={"createSeconds": 14400},
    # Its metrics in the outputs and the promotion gate; a deleted one still training is stopped.
    also_calls=("GetSolutionMetrics", "StopSolutionVersionCreation"),
)
# What the service uses for a campaignConfig key that is not given
# (https://docs.aws.amazon.com/personalize/latest/dg/API_CampaignConfig.html;
# exploration: https://docs.aws.amazon.com/personalize/latest/dg/native-recipe-new-item-USER_PERSONALIZATION.html).
# rankingInfluence has no documented default, so it is not here.
CAMPAIGN_CONFIG_DEFAULTS: dict[str, Any] = {
    "itemExplorationConfig": {"explorationWeight": "0.3", "explorationItemAgeCutOff": "30"},
    "enableMetadataWithRecommendations": False,
    "syncWithLatestSolutionVersion": False,
}
CAMPAIGN = ResourceSpec(
    "Campaign",
    "campaign",
    updatable=("solutionVersionArn", "minProvisionedTPS", "campaignConfig"),
    defaults={"minProvisionedTPS": 1},
    service_defaults={"campaignConfig": CAMPAIGN_CONFIG_DEFAULTS},
    outputs=("latestCampaignUpdate",),
)
# One event tracker per dataset group
# (https://docs.aws.amazon.com/personalize/latest/dg/API_CreateEventTracker.html).
EVENT_TRACKER = ResourceSpec("EventTracker", "event tracker", outputs=("trackingId",), one_per=("datasetGroupArn",))
FILTER = ResourceSpec("Filter", "filter")
# Batch jobs report PENDING and IN PROGRESS while they run (DescribeBatchInferenceJob).
BATCH_INFERENCE_JOB = ResourceSpec(
    "BatchInferenceJob",
    "batch inference job",
    name_member="jobName",
    running=("PENDING", "IN PROGRESS"),
    record_only=("roleArn",),
)

# A Domain dataset group's use case. UpdateRecommender changes recommenderConfig
# in place; its progress is in latestRecommenderUpdate. The service's default
# for minRecommendationRequestsPerSecond is 1
# (https://docs.aws.amazon.com/personalize/latest/dg/API_CreateRecommender.html,
# https://docs.aws.amazon.com/personalize/latest/dg/API_RecommenderConfig.html).
# A stopped recommender is INACTIVE, which create also accepts as done (an
# earlier run stopped it): providers/recommender.py then starts or stops it as
# declared (https://docs.aws.amazon.com/personalize/latest/dg/stopping-starting-recommender.html).
RECOMMENDER = ResourceSpec(
    "Recommender",
    "recommender",
    updatable=("recommenderConfig",),
    service_defaults={"recommenderConfig": {"minRecommendationRequestsPerSecond": 1}},
    done=(ACTIVE, INACTIVE),
    outputs=("modelMetrics", "latestRecommenderUpdate"),
    also_calls=("StartRecommender", "StopRecommender"),  # `active` (providers/recommender.py)
)
# UpdateMetricAttribution adds and removes metrics (by name) and replaces the
# output config (https://docs.aws.amazon.com/personalize/latest/dg/API_UpdateMetricAttribution.html);
# One per dataset group: personalize-local refuses a second (local/control.py),
# as the pages on metric attributions describe one per group
# (https://docs.aws.amazon.com/personalize/latest/dg/metric-attributions.html);
# no API page states the limit in so many words. Replacing it in the same group
# therefore deletes the old one first, which is safe either way.
METRIC_ATTRIBUTION = ResourceSpec(
    "MetricAttribution",
    "metric attribution",
    updatable=("metrics", "metricsOutputConfig"),
    one_per=("datasetGroupArn",),
    unordered={"metrics": "metricName"},
    also_calls=("ListMetricAttributionMetrics",),  # a read's metrics (providers/metric_attribution.py)
)
# Like an import job: it cannot be changed or deleted, and what role a finished
# one used is only recorded. ingestionMode left out: the service exports PUT
# records (https://docs.aws.amazon.com/personalize/latest/dg/API_CreateDatasetExportJob.html).
DATASET_EXPORT_JOB = ResourceSpec(
    "DatasetExportJob",
    "dataset export job",
    name_member="jobName",
    record_only=("roleArn",),
)
# User segments from a solution version of a USER_SEGMENTATION recipe; PENDING and
# IN PROGRESS while it runs (https://docs.aws.amazon.com/personalize/latest/dg/API_BatchSegmentJob.html).
BATCH_SEGMENT_JOB = ResourceSpec(
    "BatchSegmentJob",
    "batch segment job",
    name_member="jobName",
    running=("PENDING", "IN PROGRESS"),
    record_only=("roleArn",),
)

ALL = (
    DATASET_GROUP,
    SCHEMA,
    DATASET,
    DATASET_IMPORT_JOB,
    SOLUTION,
    SOLUTION_VERSION,
    CAMPAIGN,
    EVENT_TRACKER,
    FILTER,
    BATCH_INFERENCE_JOB,
    RECOMMENDER,
    METRIC_ATTRIBUTION,
    DATASET_EXPORT_JOB,
    BATCH_SEGMENT_JOB,
)
