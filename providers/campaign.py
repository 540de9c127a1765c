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
from service.specs import CAMPAIGN_CONFIG_DEFAULTS


def _solution_of(version_arn: str | None) -> str | None:
    # A version's ARN is its solution's ARN and one more path segment.
    return version_arn.rsplit("/", 1)[0] if version_arn else None


def with_removed_keys_reset(before: dict | None, after: dict | None) -> dict:
    """`after`, plus the default of every key `before` had and `after` has not.

    A key removed from the stack (or left out of it and read off its default,
    see `overlay`) is sent with its default, so the service stops using the old
    value: left out of UpdateCampaign, it would stay as it was."""
    config = dict(after or {})
    for key, old in (before or {}).items():
        default = CAMPAIGN_CONFIG_DEFAULTS.get(key)
        if isinstance(old, dict) and isinstance(default, dict):
            removed = {k: default[k] for k in old if k in default and k not in (config.get(key) or {})}
            if removed:
                config[key] = {**(config.get(key) or {}), **removed}
        elif key not in config and default is not None:
            config[key] = default
    return config


class CampaignProvider(PersonalizeProvider):
    spec = specs.CAMPAIGN

    def update_request(self, changed: list[str], news: dict[str, Any], olds: dict[str, Any]) -> dict[str, Any]:
        request = {k: news.get(k) for k in changed}
        if "campaignConfig" in changed:
            request["campaignConfig"] = with_removed_keys_reset(olds.get("campaignConfig"), news.get("campaignConfig"))
        return request

    def after_update(self, lifecycle: Lifecycle, arn: str, olds: dict[str, Any], news: dict[str, Any]) -> None:
        before, after = _solution_of(olds.get("solutionVersionArn")), _solution_of(news.get("solutionVersionArn"))
        if before and before != after:
            release_retained(before, news)

    def after_delete(self, lifecycle: Lifecycle, arn: str, props: dict[str, Any]) -> None:
        if solution := _solution_of(props.get("solutionVersionArn")):
            release_retained(solution, props)


class Campaign(PersonalizeResource, module="personalize", name="Campaign"):
    provider_class = CampaignProvider
