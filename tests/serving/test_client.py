"""Recommender against a campaign deployed on the emulator (conftest.deployed):
answers are the model's, filters apply, inputs are checked before any call,
and a cache saves calls until its TTL passes."""

import copy
import csv
import io

import pytest

from local.ml import infer
from serving.cache import TTLCache
from serving.client import Recommender, filter_value, filter_values_param
from serving.outputs import OutputsError, StackOutputs
from tests.helpers.serving import NO_PURCHASES

USERS = [f"u{n}" for n in range(12)]


@pytest.fixture(scope="module")
def outputs(deployed):
    return StackOutputs("test", deployed["outputs"])


@pytest.fixture(scope="module")
def recommender(outputs, deployed):
    return Recommender(outputs, deployed["experiment"])


def purchased(deployed, user: str) -> set[str]:
    rows = csv.DictReader(io.StringIO(deployed["csv"].decode()))
    return {row["ITEM_ID"] for row in rows if row["USER_ID"] == user and row["EVENT_TYPE"] == "purchase"}


def expected(deployed, user: str, num_results: int, **kwargs) -> list[dict]:
    """The emulator's model asked directly, without the runtime API."""
    return infer.recommend(
        deployed["model_dir"],
        user_id=user,
        num_results=num_results,
        dataset_group_dir=deployed["dataset_group_dir"],
        **kwargs,
    )


def item_ids(items: list[dict]) -> list[str]:
    return [item["itemId"] for item in items]


class Calls:
    """Runtime calls the emulator answered since the start of a block."""

    def __init__(self, emulator):
        self.emulator, self.start = emulator, dict(emulator.calls)

    def __getitem__(self, operation: str) -> int:
        return self.emulator.calls[operation] - self.start.get(operation, 0)


def test_recommendations_are_the_models_for_the_user(recommender, deployed):
    for user in ("u1", "u2", "u7"):
        got = recommender.recommend(user_id=user, num_results=10)
        assert got == expected(deployed, user, 10)
        assert set(got[0]) == {"itemId", "score"}


def test_recommendations_are_personalized(recommender):
    lists = {tuple(item_ids(recommender.recommend(user_id=user, num_results=10))) for user in USERS}
    assert len(lists) > len(USERS) // 2


def test_the_filter_removes_what_the_user_purchased(recommender, deployed):
    shown_without = 0
    for user in USERS:
        bought = purchased(deployed, user)
        without = item_ids(recommender.recommend(user_id=user, num_results=10))
        filtered = recommender.recommend(user_id=user, num_results=10, filter="no-purchases")
        shown_without += len(bought & set(without))
        assert not bought & set(item_ids(filtered)), user
        assert len(filtered) == 10
        assert filtered == expected(deployed, user, 10, filter=NO_PURCHASES)
    assert shown_without > 0, "no purchased item among unfiltered recommendations: the filter test proves nothing"


def test_filter_values_fill_the_filters_placeholders(recommender):
    unfiltered = item_ids(recommender.recommend(user_id="u3", num_results=10))
    excluded = unfiltered[:2]
    filtered = item_ids(
        recommender.recommend(user_id="u3", num_results=10, filter="not-these", filter_values={"ITEMS": excluded})
    )
    assert len(filtered) == 10 and not set(excluded) & set(filtered)
    assert filtered[:8] == unfiltered[2:]


def test_a_python_value_becomes_the_text_filter_values_carry():
    assert filter_value(["Comedy", "Drama"]) == '"Comedy","Drama"'
    assert filter_value('Film "noir"') == '"Film \\"noir\\""'
    assert filter_value(10) == "10" and filter_value([1.5, 2]) == "1.5,2"
    assert filter_values_param({"$GENRE": "Comedy", "MAX_PRICE": 20}) == {"GENRE": '"Comedy"', "MAX_PRICE": "20"}


@pytest.mark.parametrize(
    "values, message",
    [
        ({"GENRE": []}, "empty"),
        ({"GENRE": True}, "string or a number"),
        ({"GENRE": [None]}, "string or a number"),
        ({"GEN-RE": "x"}, "placeholder name"),
        ({"GENRE": float("nan")}, "finite"),
        ({"GENRE": "x" * 1000}, "at most 1000"),
        ({f"K{n}": "x" for n in range(26)}, "at most 25"),
    ],
)
def test_filter_values_the_service_would_refuse_are_refused_here(values, message):
    with pytest.raises(ValueError, match=message):
        filter_values_param(values)


def test_ranking_returns_exactly_the_given_items_best_first(recommender, deployed):
    given = ["i40", "i3", "i0", "i17", "i8", "i25"]
    ranked = recommender.rank("u4", given)
    assert sorted(item_ids(ranked)) == sorted(given)
    assert ranked == infer.rank(deployed["model_dir"], "u4", given, dataset_group_dir=deployed["dataset_group_dir"])
    scores = [item["score"] for item in ranked]
    assert scores == sorted(scores, reverse=True) and item_ids(ranked) != given


def test_ranking_with_the_filter_drops_purchased_items(recommender, deployed):
    bought = sorted(purchased(deployed, "u5"))[:3]
    others = [f"i{n}" for n in range(40) if f"i{n}" not in purchased(deployed, "u5")][:4]
    assert len(bought) == 3
    assert set(item_ids(recommender.rank("u5", bought + others))) == set(bought + others)
    assert sorted(item_ids(recommender.rank("u5", bought + others, filter="no-purchases"))) == sorted(others)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda r: r.recommend(), "user id or an item id"),
        (lambda r: r.recommend(user_id="u1", num_results=0), "1 to 500"),
        (lambda r: r.recommend(user_id="u1", num_results=501), "1 to 500"),
        (lambda r: r.recommend(user_id="u1", num_results="5"), "1 to 500"),
        (lambda r: r.recommend(user_id=""), "non-empty"),
        (lambda r: r.recommend(user_id="u1", filter_values={"ITEMS": "i1"}), "without a filter"),
        (lambda r: r.recommend(user_id="u1", context={"device": 3}), "context value"),
        (lambda r: r.rank("u1", []), "1 to 500"),
        (lambda r: r.rank("u1", [f"i{n}" for n in range(501)]), "1 to 500"),
        (lambda r: r.rank("u1", "i1,i2"), "list of item ids"),
        (lambda r: r.rank("u1", ["i1", ""]), "non-empty"),
    ],
)
def test_bad_inputs_are_refused_before_any_call(recommender, emulator, call, message):
    calls = Calls(emulator)
    with pytest.raises(ValueError, match=message):
        call(recommender)
    assert calls["GetRecommendations"] == calls["GetPersonalizedRanking"] == 0


def test_an_unknown_filter_name_is_refused_with_the_experiments_filters(recommender, emulator):
    calls = Calls(emulator)
    with pytest.raises(OutputsError, match="no filter 'cheap'.*no-purchases, not-these"):
        recommender.recommend(user_id="u1", filter="cheap")
    assert calls["GetRecommendations"] == 0


def test_an_experiment_without_a_campaign_is_refused_at_construction(deployed):
    outputs = copy.deepcopy(deployed["outputs"])
    del outputs["experiments"][deployed["experiment"]]["campaignArn"]
    with pytest.raises(OutputsError, match="no output 'campaignArn'"):
        Recommender(StackOutputs("test", outputs), deployed["experiment"])


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_cache_answers_repeats_until_its_ttl_passes(outputs, deployed, emulator):
    clock = Clock()
    cached = Recommender(outputs, deployed["experiment"], cache=TTLCache(30, clock=clock))
    calls = Calls(emulator)
    first = cached.recommend(user_id="u1", num_results=5)
    first.append({"itemId": "changed by the caller"})
    assert cached.recommend(user_id="u1", num_results=5) == first[:5]
    assert calls["GetRecommendations"] == 1

    cached.recommend(user_id="u1", num_results=6)
    cached.recommend(user_id="u1", num_results=5, filter="no-purchases")
    cached.recommend(user_id="u1", num_results=5, filter="not-these", filter_values={"ITEMS": ["i1"]})
    cached.recommend(user_id="u1", num_results=5, filter="not-these", filter_values={"ITEMS": ["i2"]})
    cached.recommend(user_id="u2", num_results=5)
    assert calls["GetRecommendations"] == 6
    cached.rank("u1", ["i1", "i2"])
    cached.rank("u1", ["i2", "i1"])
    cached.rank("u1", ["i1", "i2"])
    assert calls["GetPersonalizedRanking"] == 2
    assert cached.cache.stats == {"hits": 2, "misses": 8, "expired": 0, "evicted": 0, "size": 8}

    clock.now += 29
    cached.recommend(user_id="u1", num_results=5)
    assert calls["GetRecommendations"] == 6
    clock.now += 1
    assert cached.recommend(user_id="u1", num_results=5) == first[:5]
    assert calls["GetRecommendations"] == 7
    # All eight entries were put at once, so they expire together.
    assert cached.cache.stats["expired"] == 8 and cached.cache.stats["size"] == 1
