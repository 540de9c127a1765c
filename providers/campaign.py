"""Campaign: the deployed endpoint. Its model, provisioned TPS and config change
in place with UpdateCampaign, so the ARN applications call stays stable across
retraining; only a new name makes a new campaign.

Moving off (or deleting) a version whose solution was kept only because this
campaign served it releases that solution (see providers/solution.py)."""

from typing import Any

from providers.lifecycle import PersonalizeProvider, PersonalizeResource
from providers.solution import release_retained
from service import specs
from service.lifecycle import Lifecycle


def _solution_of(version_arn: str | None) -> str | None:
    # A version's ARN is its solution's ARN and one more path segment.
    return version_arn.rsplit("/", 1)[0] if version_arn else None


class CampaignProvider(PersonalizeProvider):
    spec = specs.CAMPAIGN

    def after_update(self, lifecycle: Lifecycle, arn: str, olds: dict[str, Any], news: dict[str, Any]) -> None:
        before, after = _solution_of(olds.get("solutionVersionArn")), _solution_of(news.get("solutionVersionArn"))
        if before and before != after:
            release_retained(before, news)

    def after_delete(self, lifecycle: Lifecycle, arn: str, props: dict[str, Any]) -> None:
        if solution := _solution_of(props.get("solutionVersionArn")):
            release_retained(solution, props)


class Campaign(PersonalizeResource, module="personalize", name="Campaign"):
    provider_class = CampaignProvider
