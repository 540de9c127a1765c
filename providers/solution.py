"""Solution: a recipe and its training configuration. UpdateSolution changes
automatic training and incremental updates in place; anything else about the
recipe or its configuration needs a new solution."""

from typing import Any

from providers.lifecycle import PersonalizeProvider, PersonalizeResource, canonical

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


class Solution(PersonalizeResource, module="personalize", name="Solution"):
    provider_class = SolutionProvider
