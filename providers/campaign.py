"""Campaign: the deployed endpoint. Its model, provisioned TPS and config change
in place with UpdateCampaign, so the ARN applications call stays stable across
retraining; only a new name makes a new campaign."""

from typing import Any

from providers.lifecycle import PersonalizeProvider, PersonalizeResource


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


class Campaign(PersonalizeResource, module="personalize", name="Campaign"):
    provider_class = CampaignProvider
    output_names = ("latestCampaignUpdate",)
