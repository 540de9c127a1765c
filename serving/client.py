"""Recommendations from an experiment's campaign or recommender, found by
experiment name in the stack outputs, with inputs checked before anything is sent and answers
optionally cached (serving.cache)."""

import math
import re
from collections.abc import Iterable
from numbers import Real
from typing import Any

from serving.cache import TTLCache
from serving.outputs import StackOutputs

# The limits of botocore's model of personalize-runtime, and of the service's
# documentation where the model has none (numResults, inputList).
MAX_RESULTS = 500
MAX_RANKED_ITEMS = 500
MAX_ID_LENGTH = 256
MAX_FILTER_VALUES, MAX_FILTER_NAME_LENGTH, MAX_FILTER_VALUE_LENGTH = 25, 50, 1000
MAX_CONTEXT_ENTRIES, MAX_CONTEXT_KEY_LENGTH, MAX_CONTEXT_VALUE_LENGTH = 150, 150, 1000
KEY_PATTERN = re.compile(r"[A-Za-z0-9_]+")

FilterValue = str | Real | Iterable[str | Real]


def filter_value(value: FilterValue) -> str:
    """A placeholder's value as filterValues carries it: strings in double quotes,
    numbers bare, several values (for IN / NOT IN) separated by commas:
    ["Comedy", "Drama"] -> '"Comedy","Drama"'."""
    if isinstance(value, (str, Real)):
        return _one_value(value)
    values = list(value)
    if not values:
        raise ValueError("a filter value list is empty: give at least one value")
    return ",".join(_one_value(v) for v in values)


def filter_values_param(values: dict[str, FilterValue]) -> dict[str, str]:
    """filterValues for a dict of placeholder names (with or without the "$" of
    the filter expression) to python values, see filter_value."""
    if not isinstance(values, dict):
        raise ValueError(f"filter values must be a dict of placeholder name to value, got {type(values).__name__}")
    if len(values) > MAX_FILTER_VALUES:
        raise ValueError(f"at most {MAX_FILTER_VALUES} filter values, got {len(values)}")
    param = {}
    for name, value in values.items():
        key = name[1:] if isinstance(name, str) and name.startswith("$") else name
        if not isinstance(key, str) or not KEY_PATTERN.fullmatch(key) or len(key) > MAX_FILTER_NAME_LENGTH:
            raise ValueError(
                f"filter value name {name!r} is not a placeholder name (letters, digits and _, "
                f"at most {MAX_FILTER_NAME_LENGTH})"
            )
        text = filter_value(value)
        if len(text) > MAX_FILTER_VALUE_LENGTH:
            raise ValueError(
                f"the value of filter placeholder {key} is {len(text)} characters long, "
                f"the service takes at most {MAX_FILTER_VALUE_LENGTH}"
            )
        param[key] = text
    return param


def _one_value(value: str | Real) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, Real)):
        raise ValueError(f"a filter value must be a string or a number, got {value!r}")
    if isinstance(value, Real):
        if not math.isfinite(value):
            raise ValueError(f"a filter value must be a finite number, got {value!r}")
        return str(value)
    # Backslash escapes, as the service's expression syntax reads them.
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


class Recommender:
    """GetRecommendations and GetPersonalizedRanking on the campaign of one
    experiment, or GetRecommendations on its recommender (an experiment of a
    domain dataset group: GetRecommendations takes recommenderArn in place of
    campaignArn; GetPersonalizedRanking has no recommenderArn). Results are
    lists of {"itemId", "score"}.

    The response's recommendationId is left out: it identifies one impression
    for event attribution, and a cached answer shown again is another one."""

    def __init__(self, outputs: StackOutputs, experiment: str, cache: TTLCache | None = None):
        self.experiment = outputs.experiment(experiment)
        # A missing campaign or recommender fails here, not at the first call.
        self.served_by_key, self.served_by_arn = self.experiment.endpoint
        self.campaign_arn = self.served_by_arn if self.served_by_key == "campaignArn" else None
        self.recommender_arn = self.served_by_arn if self.served_by_key == "recommenderArn" else None
        self.cache = cache
        self._runtime = outputs.client("personalize-runtime")

    def recommend(
        self,
        user_id: str | None = None,
        item_id: str | None = None,
        num_results: int = 25,
        filter: str | None = None,
        filter_values: dict | None = None,
        context: dict | None = None,
    ) -> list[dict]:
        """Items for a user, or related to an item (which one a campaign needs
        depends on its recipe); `filter` is the name of one of the experiment's filters."""
        if user_id is None and item_id is None:
            raise ValueError("recommendations need a user id or an item id")
        request = {self.served_by_key: self.served_by_arn, "numResults": _count(num_results)}
        if user_id is not None:
            request["userId"] = _id(user_id, "user id")
        if item_id is not None:
            request["itemId"] = _id(item_id, "item id")
        request.update(self._filtering(filter, filter_values, context))
        return self._cached("GetRecommendations", request, "itemList")

    def rank(
        self,
        user_id: str,
        item_ids: list[str],
        filter: str | None = None,
        filter_values: dict | None = None,
        context: dict | None = None,
    ) -> list[dict]:
        """`item_ids` ordered for the user, best first; a filter drops the items it excludes."""
        if isinstance(item_ids, str) or not isinstance(item_ids, (list, tuple)):
            raise ValueError(f"items to rank must be a list of item ids, got {type(item_ids).__name__}")
        if not 1 <= len(item_ids) <= MAX_RANKED_ITEMS:
            raise ValueError(f"ranking takes 1 to {MAX_RANKED_ITEMS} item ids, got {len(item_ids)}")
        self.check_can_rank()
        request = {
            "campaignArn": self.campaign_arn,
            "userId": _id(user_id, "user id"),
            "inputList": [_id(item, "item id") for item in item_ids],
        }
        request.update(self._filtering(filter, filter_values, context))
        return self._cached("GetPersonalizedRanking", request, "personalizedRanking")

    def check_can_rank(self) -> None:
        if self.campaign_arn is None:
            raise ValueError(
                f"experiment {self.experiment.name} is served by a recommender, and GetPersonalizedRanking "
                f"takes a campaign only: rank with an experiment served by a campaign (a custom recipe)"
            )

    def _filtering(self, filter: str | None, filter_values: dict | None, context: dict | None) -> dict:
        params: dict[str, Any] = {}
        if filter is not None:
            params["filterArn"] = self.experiment.filter_arn(filter)
        if filter_values:
            if filter is None:
                raise ValueError("filter values were given without a filter to use them")
            params["filterValues"] = filter_values_param(filter_values)
        if context:
            params["context"] = _context(context)
        return params

    def _cached(self, operation: str, request: dict, result_key: str) -> list[dict]:
        key = _cache_key(operation, request)
        if self.cache is not None:
            found = self.cache.get(key)
            if found is not None:
                return [dict(item) for item in found]  # callers may change what they get
        call = {
            "GetRecommendations": self._runtime.get_recommendations,
            "GetPersonalizedRanking": self._runtime.get_personalized_ranking,
        }[operation]
        items = [{"itemId": item["itemId"], "score": item.get("score")} for item in call(**request)[result_key]]
        if self.cache is not None:
            self.cache.put(key, tuple(dict(item) for item in items))
        return items


def _cache_key(operation: str, request: dict) -> tuple:
    # The campaign or recommender ARN is part of the request: experiments sharing a cache do not mix.
    return (operation,) + tuple(
        sorted(
            (
                name,
                tuple(sorted(value.items()))
                if isinstance(value, dict)
                else tuple(value)
                if isinstance(value, list)
                else value,
            )
            for name, value in request.items()
        )
    )


def _id(value, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"a {what} must be a non-empty string, got {value!r}")
    if len(value) > MAX_ID_LENGTH:
        raise ValueError(f"{what} {value[:20]!r}... is {len(value)} characters long, at most {MAX_ID_LENGTH}")
    return value


def _count(num_results) -> int:
    if isinstance(num_results, bool) or not isinstance(num_results, int) or not 1 <= num_results <= MAX_RESULTS:
        raise ValueError(f"the number of results must be 1 to {MAX_RESULTS}, got {num_results!r}")
    return num_results


def _context(context: dict) -> dict:
    if not isinstance(context, dict) or len(context) > MAX_CONTEXT_ENTRIES:
        raise ValueError(f"context must be a dict of at most {MAX_CONTEXT_ENTRIES} entries")
    for key, value in context.items():
        if not isinstance(key, str) or not KEY_PATTERN.fullmatch(key) or len(key) > MAX_CONTEXT_KEY_LENGTH:
            raise ValueError(f"context key {key!r} must be letters, digits and _, at most {MAX_CONTEXT_KEY_LENGTH}")
        if not isinstance(value, str) or len(value) > MAX_CONTEXT_VALUE_LENGTH:
            raise ValueError(
                f"context value of {key} must be a string of at most {MAX_CONTEXT_VALUE_LENGTH} characters"
            )
    return dict(context)
