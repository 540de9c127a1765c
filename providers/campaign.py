"""Campaign: the deployed endpoint. Its model, provisioned TPS and config change
in place with UpdateCampaign, so the ARN applications call stays stable across
retraining; only a new name makes a new campaign.

Moving off (or deleting) a version whose solution was kept only because this
campaign served it releases that solution (see providers/solution.py)."""

from typing import Any

from pulumi.dynamic import UpdateResult

from providers.lifecycle import PersonalizeProvider, PersonalizeResource
from providers.solution import release_retained


def _solution_of(version_arn: str | None) -> str | None:
    # A version's ARN is its solution's ARN and one more path segment.
    return version_arn.rsplit("/", 1)[0] if version_arn else None


class CampaignProvider(PersonalizeProvider):
    kind = "campaign"
    create_op, describe_op, delete_op, update_op = "CreateCampaign", "DescribeCampaign", "DeleteCampaign", "UpdateCampaign"
    arn_member, description_key = "campaignArn", "campaign"
    list_op, list_key = "ListCampaigns", "campaigns"
    updatable = ("solutionVersionArn", "minProvisionedTPS", "campaignConfig")
    defaults = {"minProvisionedTPS": 1}
    extra_outputs = ("latestCampaignUpdate",)

    def update_status(self, description: dict[str, Any]) -> str | None:
        return (description.get("latestCampaignUpdate") or {}).get("status", description.get("status"))

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        updated = super().update(id_, olds, news)
        before, after = _solution_of(olds.get("solutionVersionArn")), _solution_of(news.get("solutionVersionArn"))
        if before and before != after:
            release_retained(before, news)
        return updated

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        super().delete(id_, props)
        if solution := _solution_of(props.get("solutionVersionArn")):
            release_retained(solution, props)


class Campaign(PersonalizeResource, module="personalize", name="Campaign"):
    provider_class = CampaignProvider
    output_names = ("latestCampaignUpdate",)
