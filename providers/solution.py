"""Solution: a recipe and its training configuration. UpdateSolution changes
automatic training and incremental updates in place; anything else about the
recipe or its configuration needs a new solution.

A replaced solution whose version a campaign still serves (the promotion gate
kept the champion over the new recipe's version) cannot be deleted. It is kept,
tagged as retained, and the campaign deletes it once it serves something else
or is deleted itself, so nothing is left behind and no `up` waits for it."""

from typing import Any

from providers.lifecycle import PersonalizeProvider, PersonalizeResource
from service import specs
from service.lifecycle import RETAINED_TAG, Lifecycle, canonical, live_campaigns
from service.waiting import progress

# Internal (a read does not report it, an update does not remove it): service.lifecycle.

# The parts of solutionConfig that UpdateSolution's solutionUpdateConfig carries.
CONFIG_UPDATABLE = ("autoTrainingConfig", "eventsConfig")


def _without(config: dict | None, keys: tuple[str, ...]) -> dict:
    return {k: v for k, v in (config or {}).items() if k not in keys}


class SolutionProvider(PersonalizeProvider):
    spec = specs.SOLUTION

    def replaced_by(self, olds, news, changed):
        def config_only_updatable():
            return canonical(_without(olds.get("solutionConfig"), CONFIG_UPDATABLE)) == canonical(
                _without(news.get("solutionConfig"), CONFIG_UPDATABLE)
            )

        return [
            k
            for k in changed
            if k not in self.spec.updatable and not (k == "solutionConfig" and config_only_updatable())
        ]

    def update_request(self, changed: list[str], news: dict[str, Any], olds: dict[str, Any]) -> dict[str, Any]:
        request = {k: news.get(k) for k in changed if k in self.spec.updatable}
        if "solutionConfig" in changed:
            config = news.get("solutionConfig") or {}
            request["solutionUpdateConfig"] = {k: config[k] for k in CONFIG_UPDATABLE if k in config}
        return request

    def after_create(self, lifecycle: Lifecycle, arn: str, props: dict[str, Any]) -> None:
        # Adopting a solution kept for a campaign makes it managed again.
        lifecycle.api.untag_resource(resourceArn=arn, tagKeys=[RETAINED_TAG])

    def keep_instead_of_delete(self, lifecycle: Lifecycle, arn: str, props: dict[str, Any]) -> bool:
        serving = _campaigns_serving(lifecycle.api, arn)
        if serving:
            lifecycle.api.tag_resource(
                resourceArn=arn, tags=[{"tagKey": RETAINED_TAG, "tagValue": " ".join(serving)[:256]}]
            )
            progress(
                f"kept solution {arn}: {', '.join(serving)} still serves its version (the promotion gate kept "
                f"the champion); the campaign deletes it once it serves another version or is deleted"
            )
        return bool(serving)


def _campaigns_serving(api, solution_arn: str) -> list[str]:
    return [c["campaignArn"] for c in live_campaigns(api, solutionArn=solution_arn)]


def release_retained(solution_arn: str, props: dict[str, Any]) -> None:
    """Delete a solution kept for a campaign, once no campaign serves it any more."""
    lifecycle = Lifecycle(specs.SOLUTION, props)
    api = lifecycle.api
    try:
        tags = api.list_tags_for_resource(resourceArn=solution_arn)["tags"]
    except api.exceptions.ResourceNotFoundException:
        return
    if any(t["tagKey"] == RETAINED_TAG for t in tags) and not _campaigns_serving(api, solution_arn):
        progress(f"deleting solution {solution_arn}: it was kept for a campaign that no longer serves it")
        lifecycle.delete(solution_arn)


class Solution(PersonalizeResource, module="personalize", name="Solution"):
    provider_class = SolutionProvider
