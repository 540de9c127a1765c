"""Scores of solution versions for the promotion gate: the service's offline
metrics (GetSolutionMetrics) and, with a validation setting, each version's
metrics on the dataset version's held-out interactions (`validation.*`), all
versions on the same sample of users."""

from dataclasses import dataclass, field
from typing import Any

from common.statuses import VALIDATION_PREFIX
from evaluation.validation import evaluate_solution_versions
from service.client import client
from servicemodel.requests import SERVICE


@dataclass
class Scores:
    """Each version's metrics by ARN and, for the `validation.*` ranking metrics,
    each version's value per validation user, paired: the same users in the same
    order for every version (empty without a validation setting)."""

    metrics: dict[str, dict[str, float]]
    per_user: dict[str, dict[str, list[float]]] = field(default_factory=dict)


def scores(
    version_arns: list[str],
    validation: dict[str, Any] | None,
    *,
    region: str | None,
    endpoint: str | None,
    waits: dict[str, float] | None = None,
) -> dict[str, dict[str, float]]:
    """Each version's metrics, by ARN."""
    return score_versions(version_arns, validation, region=region, endpoint=endpoint, waits=waits).metrics


def score_versions(
    version_arns: list[str],
    validation: dict[str, Any] | None,
    *,
    region: str | None,
    endpoint: str | None,
    waits: dict[str, float] | None = None,
) -> Scores:
    api = client(SERVICE, region, endpoint)
    metrics = {arn: dict(api.get_solution_metrics(solutionVersionArn=arn)["metrics"]) for arn in version_arns}
    per_user: dict[str, dict[str, list[float]]] = {}
    if validation:
        evaluated = evaluate_solution_versions(
            version_arns,
            validation["bucket"],
            validation["datasetVersion"],
            validation["roleArn"],
            region=region,
            endpoint=endpoint,
            waits=waits,
            max_users=int(validation.get("maxUsers") or 1000),
            event_type=validation.get("eventType"),
        )
        users = {tuple(result["scoredUsers"]) for result in evaluated.values()}
        if len(users) != 1:
            raise RuntimeError("the versions were scored on different validation users: they cannot be paired")
        for arn, result in evaluated.items():
            metrics[arn].update({f"{VALIDATION_PREFIX}{k}": v for k, v in result["metrics"].items()})
            per_user[arn] = {f"{VALIDATION_PREFIX}{k}": v for k, v in result["perUser"].items()}
    return Scores(metrics, per_user)
