"""Amazon Personalize's resource quotas, with their documented defaults, and
the LimitExceededException a Create* call gets once one is reached.

Source of every default below: the "Service quotas" tables of
https://docs.aws.amazon.com/personalize/latest/dg/limits.html
(the per-region table and the per-dataset-group table). The stored copy of the
live page could be read only in part, so the values were read from the page's
source in the awsdocs/amazon-personalize-developer-guide repository
(doc_source/limits.md, its last revision, February 2023).

What counts (the page says "active" or "pending or in progress"; the rest is
our assumption, stated here once):
- "active": every resource that exists and is not being deleted, except one
  whose creation failed or was stopped. A resource still being created counts:
  it becomes active without another call, so a burst of Create calls cannot
  overshoot the quota. A deleting one does not: it is on its way out and
  DeleteDatasetGroup & co. are how the page's "delete unused resources" frees
  room.
- "pending or in progress": a job or version whose creation has not ended
  (PENDING, IN_PROGRESS, and a solution version still STOPPING).
- "pending": a job whose status reads PENDING, and only that (the data
  deletion jobs' quota, whose page names that one status).

One quota is not on the limits page: data deletion jobs, at most 5 PENDING per
dataset group, stated among the guidelines of
https://docs.aws.amazon.com/personalize/latest/dg/delete-records.html (its
row names that page as its source).

Left out, and why:
- distinct dataset fields per filter (5) and across a group's filters (10):
  they are about filter expressions, not about how many resources exist;
- data sizes, row counts and request rates: not counts of resources.
Event trackers (one per dataset group) and metric attributions (one per
dataset group) are not on the quotas page; CreateEventTracker and
CreateMetricAttribution keep refusing a second one as they did before."""

from dataclasses import dataclass

from .errors import ServiceError
from .lifecycle import is_busy

LIMITS_PAGE = "https://docs.aws.amazon.com/personalize/latest/dg/limits.html"

REGION = "region"
DATASET_GROUP = "datasetGroup"
ACTIVE = "active"
IN_PROGRESS = "inProgress"
PENDING = "pending"

# Statuses of a resource that exists but does not count as active.
NOT_ACTIVE = ("CREATE FAILED", "CREATE STOPPED", "DELETE PENDING", "DELETE IN_PROGRESS")


@dataclass(frozen=True)
class Quota:
    name: str  # the start-up option's key: --quota activeDatasetGroups=10
    default: int
    words: str  # the quota's name on the limits page
    kind: str  # the resource kind counted (local.lifecycle.KINDS)
    scope: str  # REGION: per account and region; DATASET_GROUP: per dataset group
    counting: str  # ACTIVE or IN_PROGRESS
    adjustable: bool  # the page lists it among the quotas an increase can be requested for
    source: str = LIMITS_PAGE  # the page stating it


QUOTAS = {
    quota.name: quota
    for quota in [
        # Per account and region.
        Quota("activeSchemas", 500, "Total number of active schemas", "schema", REGION, ACTIVE, False),
        Quota("activeDatasetGroups", 5, "Total number of active dataset groups", "datasetGroup", REGION, ACTIVE, True),
        Quota(
            "pendingDatasetImportJobs",
            5,
            "Total number of pending or in progress dataset import jobs",
            "datasetImportJob",
            REGION,
            IN_PROGRESS,
            False,
        ),
        Quota(
            "pendingDatasetExportJobs",
            5,
            "Total number of pending or in progress dataset export jobs",
            "datasetExportJob",
            REGION,
            IN_PROGRESS,
            True,
        ),
        Quota(
            "pendingBatchInferenceJobs",
            5,
            "Total number of pending or in progress batch inference jobs",
            "batchInferenceJob",
            REGION,
            IN_PROGRESS,
            True,
        ),
        Quota(
            "pendingBatchSegmentJobs",
            5,
            "Total number of pending or in progress batch segment jobs",
            "batchSegmentJob",
            REGION,
            IN_PROGRESS,
            False,
        ),
        Quota(
            "pendingSolutionVersions",
            20,
            "Total number of pending or in progress solution versions",
            "solutionVersion",
            REGION,
            IN_PROGRESS,
            True,
        ),
        # Per dataset group.
        Quota("activeSolutions", 10, "Total number of active solutions", "solution", DATASET_GROUP, ACTIVE, True),
        Quota("activeCampaigns", 5, "Total number of active campaigns", "campaign", DATASET_GROUP, ACTIVE, True),
        Quota("recommenders", 5, "Total number of recommenders", "recommender", DATASET_GROUP, ACTIVE, False),
        Quota("activeFilters", 10, "Total number of filters", "filter", DATASET_GROUP, ACTIVE, True),
        Quota(
            "pendingDataDeletionJobs",
            5,
            "Data deletion jobs with status PENDING",
            "dataDeletionJob",
            DATASET_GROUP,
            PENDING,
            False,
            source="https://docs.aws.amazon.com/personalize/latest/dg/delete-records.html",
        ),
    ]
}


def counts(quota: Quota, status: str | None) -> bool:
    """Whether a resource in `status` uses up part of `quota`."""
    if quota.counting == ACTIVE:
        return status not in NOT_ACTIVE
    if quota.counting == PENDING:
        return status == "PENDING"
    return is_busy(status) and not str(status).startswith("DELETE")


class Quotas:
    """The quotas one emulator enforces: the documented defaults, or the
    account's own raised ones given at start-up."""

    def __init__(self, overrides: dict | None = None):
        self.limits = {name: quota.default for name, quota in QUOTAS.items()}
        for name, value in (overrides or {}).items():
            if name not in QUOTAS:
                raise ValueError(f"unknown quota {name!r}; one of {', '.join(QUOTAS)}")
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"quota {name} must be a whole number >= 0, not {value!r}")
            self.limits[name] = value

    def check(self, name: str, used: int, region: str, dataset_group_arn: str | None = None) -> None:
        """LimitExceededException if one more would exceed quota `name`, `used` being taken now."""
        quota, limit = QUOTAS[name], self.limits[name]
        if used < limit:
            return
        where = f"dataset group {dataset_group_arn}" if quota.scope == DATASET_GROUP else f"region {region}"
        per = "per dataset group" if quota.scope == DATASET_GROUP else "per region"
        raise ServiceError(
            "LimitExceededException",
            f"The quota {quota.words!r} {per} is {limit} for this account; {used} are in use in {where}.",
        )
