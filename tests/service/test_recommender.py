"""Recommender, against personalize-local: check refuses bad input before any
call, recommenderConfig changes in place (and a key left out goes back to the
service's default), `active` stops and starts it in place, drift of either is
read and undone, and a stopped leftover of an interrupted run is adopted and
started. Create/read/delete, adoption, failure and deadline: test_each_resource."""

import pytest

from providers.recommender import RecommenderProvider
from tests.helpers.domain import POPULAR, domain_group
from tests.helpers.providers import create, update

# Cases make several recommenders in one group: more than the documented 5.
EMULATOR_QUOTAS = {"recommenders": 20}
# Nothing listens here: a check that called the service would fail to connect.
NOWHERE = {"region": "us-east-1", "endpoint": "http://127.0.0.1:9"}


@pytest.fixture(scope="module")
def shop(conn, seeded):
    return domain_group(conn, seeded, "shop")


def described(aws, arn) -> dict:
    return aws("personalize").describe_recommender(recommenderArn=arn)["recommender"]


def refreshed(provider, outs):
    read = provider.read(outs["arn"], outs)
    return read, provider.check(read.outs, read.inputs).inputs


@pytest.mark.parametrize(
    ("bad", "path"),
    [
        ({"active": "yes"}, "active"),
        ({"recommenderConfig": {"minRecommendationRequestsPerSecond": 0}}, "recommenderConfig"),
        ({"recipeArn": None, "recipe": POPULAR}, "recipe"),
        ({"tags": [{"tagKey": "aws:owner", "tagValue": "x"}]}, "tags"),
    ],
)
def test_check_refuses_bad_input_before_any_call(bad, path):
    props = {**NOWHERE, "name": "r", "datasetGroupArn": "arn:aws:personalize:us-east-1:1:dataset-group/g"}
    failures = RecommenderProvider().check({}, {**props, "recipeArn": POPULAR, **bad}).failures
    assert failures and all(f.property.startswith(path) for f in failures), [f.reason for f in failures]


def test_what_changes_in_place_and_what_replaces():
    provider = RecommenderProvider()
    olds = provider.check({}, {**NOWHERE, "name": "r", "datasetGroupArn": "g", "recipeArn": POPULAR}).inputs
    olds = {**olds, "arn": "arn:r", "status": "ACTIVE"}

    def plan(**changes):
        diff = provider.diff("arn:r", olds, provider.check(olds, {**olds, **changes}).inputs)
        return diff.changes, diff.replaces

    assert plan(recommenderConfig={"minRecommendationRequestsPerSecond": 2}) == (True, [])
    assert plan(active=False) == (True, [])
    assert plan(tags=[{"tagKey": "team", "tagValue": "recs"}]) == (True, [])
    assert plan(recipeArn="arn:aws:personalize:::recipe/aws-ecomm-recommended-for-you") == (True, ["recipeArn"])
    assert plan(datasetGroupArn="other") == (True, ["datasetGroupArn"])
    assert plan() == (False, [])


def test_config_updates_in_place_and_a_removed_key_returns_to_the_service_default(conn, shop, aws):
    provider = RecommenderProvider()
    arn, outs = create(provider, conn, name="shop-config", datasetGroupArn=shop["group"], recipeArn=POPULAR)
    assert outs["status"] == "ACTIVE" and outs["active"] is True and outs["modelMetrics"]

    outs = update(provider, outs, recommenderConfig={"minRecommendationRequestsPerSecond": 3})
    assert outs["arn"] == arn and described(aws, arn)["recommenderConfig"]["minRecommendationRequestsPerSecond"] == 3
    read, news = refreshed(provider, outs)
    assert provider.diff(arn, read.outs, news).changes is False

    outs = update(provider, outs, recommenderConfig=None)
    # 1 is the documented default (https://docs.aws.amazon.com/personalize/latest/dg/API_CreateRecommender.html).
    assert described(aws, arn)["recommenderConfig"]["minRecommendationRequestsPerSecond"] == 1


def test_config_drift_is_read_and_undone(conn, shop, aws):
    provider = RecommenderProvider()
    config = {"minRecommendationRequestsPerSecond": 2}
    arn, outs = create(
        provider, conn, name="shop-drift", datasetGroupArn=shop["group"], recipeArn=POPULAR, recommenderConfig=config
    )
    api = aws("personalize")
    api.update_recommender(recommenderArn=arn, recommenderConfig={"minRecommendationRequestsPerSecond": 7})
    provider.lifecycle(conn).wait_for_update(arn)

    read, _ = refreshed(provider, outs)
    assert read.inputs["recommenderConfig"]["minRecommendationRequestsPerSecond"] == 7
    declared = provider.check(read.outs, {**read.inputs, "recommenderConfig": config}).inputs
    diff = provider.diff(arn, read.outs, declared)
    assert diff.changes and diff.replaces == []
    provider.update(arn, read.outs, declared)
    assert described(aws, arn)["recommenderConfig"]["minRecommendationRequestsPerSecond"] == 2


def test_active_false_stops_it_in_place_and_true_starts_it(conn, shop, aws):
    provider = RecommenderProvider()
    arn, outs = create(provider, conn, name="shop-stop", datasetGroupArn=shop["group"], recipeArn=POPULAR)

    outs = update(provider, outs, active=False)
    assert outs["arn"] == arn and outs["status"] == "INACTIVE" and described(aws, arn)["status"] == "INACTIVE"
    read, news = refreshed(provider, outs)
    assert read.inputs["active"] is False and provider.diff(arn, read.outs, news).changes is False

    # A stopped recommender takes a config change: started, updated, stopped again.
    outs = update(provider, outs, recommenderConfig={"minRecommendationRequestsPerSecond": 2})
    assert described(aws, arn)["status"] == "INACTIVE"
    assert described(aws, arn)["recommenderConfig"]["minRecommendationRequestsPerSecond"] == 2

    outs = update(provider, outs, active=True)
    assert outs["status"] == "ACTIVE" and described(aws, arn)["status"] == "ACTIVE"


def test_a_recommender_stopped_out_of_band_is_drift_and_started_again(conn, shop, aws):
    provider = RecommenderProvider()
    arn, outs = create(provider, conn, name="shop-stopped", datasetGroupArn=shop["group"], recipeArn=POPULAR)
    aws("personalize").stop_recommender(recommenderArn=arn)

    read, _ = refreshed(provider, outs)
    assert read.inputs["active"] is False
    declared = provider.check(read.outs, {**read.inputs, "active": True}).inputs
    diff = provider.diff(arn, read.outs, declared)
    assert diff.changes and diff.replaces == []
    assert provider.update(arn, read.outs, declared).outs["status"] == "ACTIVE"


def test_created_stopped_when_declared_inactive(conn, shop, aws):
    arn, outs = create(
        RecommenderProvider(), conn, name="shop-idle", datasetGroupArn=shop["group"], recipeArn=POPULAR, active=False
    )
    assert outs["status"] == "INACTIVE" and described(aws, arn)["status"] == "INACTIVE"


def test_a_stopped_leftover_of_an_interrupted_run_is_adopted_and_started(conn, shop, aws):
    props = {"name": "shop-leftover", "datasetGroupArn": shop["group"], "recipeArn": POPULAR}
    first, _ = create(RecommenderProvider(), conn, **props)
    aws("personalize").stop_recommender(recommenderArn=first)  # still stopping when the next run starts
    again, outs = create(RecommenderProvider(), conn, **props)
    assert again == first and outs["status"] == "ACTIVE" and described(aws, first)["status"] == "ACTIVE"
