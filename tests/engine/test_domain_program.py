"""The new resource types through the real engine against personalize-local
(tests/fixtures/domain): a recommender and a metric attribution go up, a
recommenderConfig change and a metrics change are planned and applied as
in-place updates (not replacements), so is stopping it (active false), the plan is empty after each up, tags drift
seen by refresh is undone by the next up, and destroy leaves no recommender nor
attribution in the service. The two new jobs are tested at provider level
(tests/service/test_export_and_segment_jobs.py, test_each_resource.py)."""

import pytest

from tests.helpers.data import INTERACTIONS_SCHEMA
from tests.helpers.engine import planned, stack_factory
from tests.helpers.paths import ROOT

pytestmark = pytest.mark.engine

FIXTURE = ROOT / "tests" / "fixtures" / "domain"
PACKAGES = ("providers", "service", "servicemodel", "common")
CLICKS = {"eventType": "click", "metricName": "clicks", "expression": "SAMPLECOUNT()"}
WATCHED = {"eventType": "watch", "metricName": "watched", "expression": "SAMPLECOUNT()"}


@pytest.fixture
def make_stack(tmp_path, engine_env, pulumi_command):
    """The fixture program with the project's packages beside it, as a program of its own."""
    source = tmp_path / "source"
    source.mkdir()
    for name in ("Pulumi.yaml", "__main__.py"):
        (source / name).write_bytes((FIXTURE / name).read_bytes())
    for name in PACKAGES:
        (source / name).symlink_to(ROOT / name, target_is_directory=True)
    make, stacks = stack_factory(
        (source, ("Pulumi.yaml", "__main__.py", *PACKAGES)), tmp_path, engine_env, pulumi_command
    )
    yield make
    for stack in stacks.values():
        stack.workspace.remove_stack(stack.name, force=True)


def config(emulator, seeded, **more) -> dict:
    return {
        "prefix": "shop",
        "endpoint": emulator.endpoint,
        "bucket": seeded["bucket"],
        "roleArn": seeded["role"],
        "schema": INTERACTIONS_SCHEMA,
        "metrics": [CLICKS],
        **more,
    }


def test_recommender_and_attribution_up_update_in_place_refresh_destroy(make_stack, emulator, seeded, aws, capsys):
    api = aws("personalize")
    stack = make_stack("domain", config(emulator, seeded))
    up = stack.up()
    assert up.summary.resource_changes == {"create": 7}  # the stack and six resources
    arn = up.outputs["recommenderArn"].value
    assert up.outputs["recommenderStatus"].value == "ACTIVE" and up.outputs["modelMetrics"].value
    stack.preview(expect_no_changes=True)

    # A config change and a new metric: two in-place updates, nothing replaced.
    tps = {"minRecommendationRequestsPerSecond": 2}
    make_stack("domain", config(emulator, seeded, recommenderConfig=tps, metrics=[CLICKS, WATCHED]))
    assert planned(stack, skip_types=("pulumi:",)) == {"Recommender": "update", "MetricAttribution": "update"}
    assert stack.up().summary.resource_changes == {"update": 2, "same": 5}
    described = api.describe_recommender(recommenderArn=arn)["recommender"]
    assert described["recommenderConfig"]["minRecommendationRequestsPerSecond"] == 2
    attribution = stack.outputs()["attributionArn"].value
    listed = api.list_metric_attribution_metrics(metricAttributionArn=attribution)["metrics"]
    assert {m["metricName"] for m in listed} == {"clicks", "watched"}
    stack.preview(expect_no_changes=True)

    # Tags set out of band are drift: refresh records them, the next up removes them.
    api.tag_resource(resourceArn=arn, tags=[{"tagKey": "owner", "tagValue": "someone"}])
    assert stack.refresh().summary.resource_changes.get("update") == 1
    assert planned(stack, skip_types=("pulumi:",)) == {"Recommender": "update"}
    stack.up()
    assert api.list_tags_for_resource(resourceArn=arn)["tags"] == []
    stack.preview(expect_no_changes=True)

    # Stopping it is an update in place too: the same ARN, INACTIVE.
    make_stack("domain", config(emulator, seeded, recommenderConfig=tps, metrics=[CLICKS, WATCHED], active=False))
    assert planned(stack, skip_types=("pulumi:",)) == {"Recommender": "update"}
    assert stack.up().outputs["recommenderArn"].value == arn
    assert api.describe_recommender(recommenderArn=arn)["recommender"]["status"] == "INACTIVE"
    stack.preview(expect_no_changes=True)

    destroy = stack.destroy()
    assert destroy.summary.result == "succeeded"
    assert api.list_recommenders()["recommenders"] == []
    assert api.list_metric_attributions()["metricAttributions"] == []
    assert api.list_dataset_groups()["datasetGroups"] == []
    with capsys.disabled():
        print(f"\nengine: domain program: up, in-place updates, refresh, destroy {destroy.summary.resource_changes}")
