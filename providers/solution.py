"""Solution: a recipe and its training configuration. UpdateSolution changes
automatic training and incremental updates in place; anything else about the
recipe or its configuration needs a new solution.

A replaced solution whose version a campaign still serves (the promotion gate
kept the champion over the new recipe's version) cannot be deleted. It is kept,
tagged as retained, and the campaign deletes it once it serves something else
or is deleted itself, so nothing is left behind and no `up` waits for it."""

from typing import Any

from pulumi.dynamic import CreateResult

from providers.lifecycle import PersonalizeProvider, PersonalizeResource, canonical, client, live_campaigns, progress

RETAINED_TAG = "personalize-pulumi:retained-for"

# The parts of solutionConfig that UpdateSolution's solutionUpdateConfig carries.
CONFIG_UPDATABLE = ("autoTrainingConfig", "eventsConfig")


def _without(config: dict | None, keys: tuple[str, ...]) -> dict:
    return {k: v for k, v in (config or {}).items() if k not in keys}


class SolutionProvider(PersonalizeProvider):
    kind = "solution"
    create_op, describe_op, delete_op, update_op = "CreateSolution", "DescribeSolution", "DeleteSolution", "UpdateSolution"
    arn_member, description_key = "solutionArn", "solution"
    list_op, list_key, list_scope = "ListSolutions", "solutions", ("datasetGroupArn",)
    updatable = ("performAutoTraining", "performIncrementalUpdate")
    # The service trains on a schedule unless told otherwise; training costs money,
    # so ours trains when a SolutionVersion is declared, unless a stack opts in.
    defaults = {"performAutoTraining": False}
    # latestSolutionVersion is left out on purpose: it moves whenever any version
    # finishes, and a refresh would report that as a change to the solution.
    extra_outputs = ("latestSolutionUpdate",)

    def replaced_by(self, olds, news, changed):
        def config_only_updatable():
            return canonical(_without(olds.get("solutionConfig"), CONFIG_UPDATABLE)) == \
                canonical(_without(news.get("solutionConfig"), CONFIG_UPDATABLE))
        return [k for k in changed if k not in self.updatable and not (k == "solutionConfig" and config_only_updatable())]

    def update_request(self, changed: list[str], news: dict[str, Any]) -> dict[str, Any]:
        request = {k: news.get(k) for k in changed if k in self.updatable}
        if "solutionConfig" in changed:
            config = news.get("solutionConfig") or {}
            request["solutionUpdateConfig"] = {k: config[k] for k in CONFIG_UPDATABLE if k in config}
        return request

    def update_status(self, description: dict[str, Any]) -> str | None:
        return (description.get("latestSolutionUpdate") or {}).get("status", description.get("status"))

    def create(self, props: dict[str, Any]) -> CreateResult:
        created = super().create(props)
        # Adopting a solution kept for a campaign makes it managed again.
        client(props).untag_resource(resourceArn=created.id, tagKeys=[RETAINED_TAG])
        return created

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        api = client(props)
        serving = _campaigns_serving(api, id_)
        if not serving:
            super().delete(id_, props)
            return
        api.tag_resource(resourceArn=id_, tags=[{"tagKey": RETAINED_TAG, "tagValue": " ".join(serving)[:256]}])
        progress(f"kept solution {id_}: {', '.join(serving)} still serves its version (the promotion gate kept "
                 f"the champion); the campaign deletes it once it serves another version or is deleted")


def _campaigns_serving(api, solution_arn: str) -> list[str]:
    return [c["campaignArn"] for c in live_campaigns(api, solutionArn=solution_arn)]


def release_retained(solution_arn: str, props: dict[str, Any]) -> None:
    """Delete a solution kept for a campaign, once no campaign serves it any more."""
    api = client(props)
    try:
        tags = api.list_tags_for_resource(resourceArn=solution_arn)["tags"]
    except api.exceptions.ResourceNotFoundException:
        return
    if any(t["tagKey"] == RETAINED_TAG for t in tags) and not _campaigns_serving(api, solution_arn):
        progress(f"deleting solution {solution_arn}: it was kept for a campaign that no longer serves it")
        SolutionProvider().delete(solution_arn, props)


class Solution(PersonalizeResource, module="personalize", name="Solution"):
    provider_class = SolutionProvider
