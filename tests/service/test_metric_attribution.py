"""Metric attribution, against personalize-local: check refuses two metrics of
one name before any call; metrics are added, removed and changed in place with
UpdateMetricAttribution's addMetrics/removeMetrics, the output config too; a
reordered list is no change; metrics changed out of band (DescribeMetricAttribution
does not describe them: ListMetricAttributionMetrics does) are read as drift and
undone; a new name in the same group deletes the old one first (one per group).
Create/read/delete, adoption, failure: test_each_resource."""

import pytest

from providers.dataset_group import DatasetGroupProvider
from providers.metric_attribution import MetricAttributionProvider
from tests.helpers.providers import create, update

CLICKS = {"eventType": "click", "metricName": "clicks", "expression": "SAMPLECOUNT()"}
WATCHED = {"eventType": "watch", "metricName": "watched", "expression": "SAMPLECOUNT()"}
EMULATOR_QUOTAS = {"activeDatasetGroups": 20}


@pytest.fixture
def group(conn, request):
    arn, _ = create(DatasetGroupProvider(), conn, name=f"ma-{request.node.name[5:35]}".replace("_", "-").rstrip("-"))
    return arn


def live_metrics(aws, arn) -> dict:
    api = aws("personalize")
    return {m["metricName"]: m for m in api.list_metric_attribution_metrics(metricAttributionArn=arn)["metrics"]}


def attribution(conn, group, seeded, **more):
    return create(
        MetricAttributionProvider(),
        conn,
        name=f"{group.rsplit('/', 1)[-1]}-attribution",
        datasetGroupArn=group,
        metrics=[CLICKS],
        metricsOutputConfig={"roleArn": seeded["role"]},
        **more,
    )


def test_check_refuses_a_metric_name_given_twice_before_any_call():
    props = {
        "region": "us-east-1",
        "endpoint": "http://127.0.0.1:9",
        "name": "m",
        "datasetGroupArn": "arn:aws:personalize:us-east-1:1:dataset-group/g",
        "metrics": [CLICKS, {**CLICKS, "eventType": "other"}],
        "metricsOutputConfig": {"roleArn": "arn:aws:iam::123456789012:role/r"},
    }
    assert [f.property for f in MetricAttributionProvider().check({}, props).failures] == ["metrics"]


def test_metrics_and_output_config_change_in_place(conn, group, seeded, aws):
    provider = MetricAttributionProvider()
    arn, outs = attribution(conn, group, seeded)

    outs = update(provider, outs, metrics=[CLICKS, WATCHED])
    assert set(live_metrics(aws, arn)) == {"clicks", "watched"}
    outs = update(provider, outs, metrics=[WATCHED])
    assert set(live_metrics(aws, arn)) == {"watched"}
    changed = {**WATCHED, "expression": "SUM(Items.PRICE)"}
    outs = update(provider, outs, metrics=[changed])
    assert live_metrics(aws, arn)["watched"]["expression"] == "SUM(Items.PRICE)"

    destination = {"roleArn": seeded["role"], "s3DataDestination": {"path": f"s3://{seeded['bucket']}/metrics/"}}
    outs = update(provider, outs, metricsOutputConfig=destination)
    api = aws("personalize")
    assert api.describe_metric_attribution(metricAttributionArn=arn)["metricAttribution"]["metricsOutputConfig"] == (
        destination
    )
    assert outs["arn"] == arn
    read = provider.read(arn, outs)
    assert provider.diff(arn, read.outs, provider.check(read.outs, read.inputs).inputs).changes is False


def test_a_reordered_list_is_no_change(conn, group, seeded):
    provider = MetricAttributionProvider()
    arn, outs = attribution(conn, group, seeded)
    outs = update(provider, outs, metrics=[CLICKS, WATCHED])
    news = provider.check(outs, {**outs, "metrics": [WATCHED, CLICKS]}).inputs
    assert provider.diff(arn, outs, news).changes is False


def test_metrics_changed_out_of_band_are_read_as_drift_and_undone(conn, group, seeded, aws):
    provider = MetricAttributionProvider()
    arn, outs = attribution(conn, group, seeded)
    aws("personalize").update_metric_attribution(
        metricAttributionArn=arn, addMetrics=[WATCHED], removeMetrics=["clicks"]
    )

    read = provider.read(arn, outs)
    assert read.inputs["metrics"] == [WATCHED]
    declared = provider.check(read.outs, {**read.inputs, "metrics": [CLICKS]}).inputs
    diff = provider.diff(arn, read.outs, declared)
    assert diff.changes and diff.replaces == []
    provider.update(arn, read.outs, declared)
    assert set(live_metrics(aws, arn)) == {"clicks"}


def test_a_new_name_in_the_same_group_replaces_it_deleting_the_old_one_first(conn, group, seeded):
    provider = MetricAttributionProvider()
    arn, outs = attribution(conn, group, seeded)
    news = provider.check(outs, {**outs, "name": "renamed"}).inputs
    diff = provider.diff(arn, outs, news)
    assert diff.replaces == ["name"] and diff.delete_before_replace is True
