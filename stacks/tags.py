"""The tags every taggable resource of a stack carries: the user's (the stack's,
its group's, its experiment's, in that order, the later winning) and the
project's own, which say where the resource comes from and win over the user's."""

from typing import Any

from stacks.config import DatasetGroup, Experiment, StackConfig

PREFIX = "personalize-pulumi:"
STACK_TAG = PREFIX + "stack"
ENVIRONMENT_TAG = PREFIX + "environment"
GROUP_TAG = PREFIX + "dataset-group"
EXPERIMENT_TAG = PREFIX + "experiment"


def tags(stack: StackConfig, group: DatasetGroup, experiment: Experiment | None = None) -> list[dict[str, str]]:
    """Tags in the API's form ([{tagKey, tagValue}]), sorted by key so the same tags are the same input."""
    merged: dict[str, str] = {**stack.tags, **group.tags, **(experiment.tags if experiment else {})}
    merged[STACK_TAG] = stack.stack
    merged[ENVIRONMENT_TAG] = stack.environment or stack.stack
    merged[GROUP_TAG] = group.name
    if experiment is not None:
        merged[EXPERIMENT_TAG] = experiment.name
    return [{"tagKey": k, "tagValue": v} for k, v in sorted(merged.items())]


def tag_input(resource_class: Any, value: list[dict[str, str]]) -> dict[str, Any]:
    """{"tags": value} for a resource type whose create operation takes tags (a schema does not)."""
    return {"tags": value} if "tags" in resource_class.provider_class.spec.create_members else {}
