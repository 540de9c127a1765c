"""Scores of solution versions for the promotion gate: the service's offline
metrics (GetSolutionMetrics) and, with a validation setting, each version's
metrics on the dataset version's held-out interactions (`validation.*`), all
versions on the same sample of users."""

from typing import Any

from common.statuses import VALIDATION_PREFIX
from evaluation.validation import evaluate_solution_versions
from service.client import client
from servicemodel.requests import SERVICE


def scores(
    version_arns: list[str],
    validation: dict[str, Any] | None,
    *,
    region: str | None,
    endpoint: str | None,
    waits: dict[str, float] | None = None,
) -> dict[str, dict[str, float]]:
    """Each version's metrics, by ARN."""
    api = client(SERVICE, region, endpoint)
    metrics = {arn: dict(api.get_solution_metrics(solutionVersionArn=arn)["metrics"]) for arn in version_arns}
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
        for arn, result in evaluated.items():
            metrics[arn].update({f"{VALIDATION_PREFIX}{k}": v for k, v in result["metrics"].items()})
    return metrics
