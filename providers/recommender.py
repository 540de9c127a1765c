"""Recommender: a Domain dataset group's use case, trained and served by the
service. recommenderConfig changes in place with UpdateRecommender (its
progress in latestRecommenderUpdate); any other change is a new recommender.

`active` (ours, default true) stops or starts it in place: a stopped
recommender is INACTIVE, is not billed and serves nothing, and keeps its ARN
(https://docs.aws.amazon.com/personalize/latest/dg/stopping-starting-recommender.html).
Only an ACTIVE one takes an update (StopRecommender/UpdateRecommender:
https://docs.aws.amazon.com/personalize/latest/dg/API_StopRecommender.html), so a
config change of a stopped one starts it, updates it and stops it again."""

from typing import Any

from common.statuses import ACTIVE, INACTIVE
from providers.lifecycle import PersonalizeProvider, PersonalizeResource
from service import specs
from service.lifecycle import Lifecycle
from service.waiting import progress


def _wanted(props: dict[str, Any]) -> str:
    return ACTIVE if props.get("active", True) else INACTIVE


def _make(lifecycle: Lifecycle, arn: str, status: str | None, wanted: str) -> dict[str, Any] | None:
    """Stop or start the recommender until it is `wanted`; its description if it changed."""
    if status == wanted:
        return None
    op = "StartRecommender" if wanted == ACTIVE else "StopRecommender"
    progress(f"recommender {arn}: {op} ({status} -> {wanted})")
    return lifecycle.change_state(op, arn, wanted)


class RecommenderProvider(PersonalizeProvider):
    spec = specs.RECOMMENDER
    own_settings = ("active",)

    def problems(self, inputs: dict[str, Any]) -> list[tuple[str, str]]:
        active = inputs.get("active", True)
        return [] if isinstance(active, bool) else [("active", f"recommender active: a boolean, not {active!r}")]

    def normalise(self, inputs: dict[str, Any]) -> dict[str, Any]:
        return {**inputs, "active": inputs.get("active", True)}

    def after_create(self, lifecycle: Lifecycle, arn: str, props: dict[str, Any]) -> dict[str, Any] | None:
        # Create waits for ACTIVE or INACTIVE (one an earlier run stopped, adopted).
        return _make(lifecycle, arn, lifecycle.status(arn), _wanted(props))

    def before_update(
        self, lifecycle: Lifecycle, arn: str, olds: dict[str, Any], news: dict[str, Any], changed: list[str]
    ) -> None:
        if changed or _wanted(news) == ACTIVE:
            _make(lifecycle, arn, lifecycle.status(arn), ACTIVE)

    def after_update(self, lifecycle: Lifecycle, arn: str, olds: dict[str, Any], news: dict[str, Any]) -> None:
        _make(lifecycle, arn, lifecycle.status(arn), _wanted(news))

    def described(self, lifecycle: Lifecycle, description: dict[str, Any]) -> dict[str, Any]:
        # Stopping or stopped reads as not active; starting (or running) as active.
        status = str(description.get("status", ""))
        return {"active": not (status == INACTIVE or status.startswith("STOP"))}


class Recommender(PersonalizeResource, module="personalize", name="Recommender"):
    provider_class = RecommenderProvider
