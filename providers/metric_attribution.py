"""Metric attribution: reports on the events a dataset group records, one per
group. UpdateMetricAttribution adds metrics, removes them by name and replaces
the output config in place
(https://docs.aws.amazon.com/personalize/latest/dg/API_UpdateMetricAttribution.html);
a new name or group is a new attribution (the old one is deleted first).

DescribeMetricAttribution leaves the metrics out: a read lists them with
ListMetricAttributionMetrics, so metrics changed out of band are drift."""

from typing import Any

from providers.lifecycle import PersonalizeProvider, PersonalizeResource
from service import specs
from service.lifecycle import Lifecycle, canonical, snake


def _by_name(metrics: list | None) -> dict[str, Any]:
    return {m["metricName"]: canonical(m) for m in metrics or []}


class MetricAttributionProvider(PersonalizeProvider):
    spec = specs.METRIC_ATTRIBUTION

    def problems(self, inputs: dict[str, Any]) -> list[tuple[str, str]]:
        metrics = inputs.get("metrics")
        if not isinstance(metrics, list):
            return []
        names = [m.get("metricName") for m in metrics if isinstance(m, dict)]
        twice = sorted({n for n in names if names.count(n) > 1 and isinstance(n, str)})
        # An update names metrics to remove by metricName: a name must say which one.
        return [("metrics", f"metric attribution metrics: metricName {n!r} is given twice") for n in twice]

    def update_request(self, changed: list[str], news: dict[str, Any], olds: dict[str, Any]) -> dict[str, Any]:
        request: dict[str, Any] = {}
        if "metrics" in changed:
            before, after = _by_name(olds.get("metrics")), _by_name(news.get("metrics"))
            # A metric whose event type or expression changed is removed and added again.
            if removed := [n for n in before if after.get(n) != before[n]]:
                request["removeMetrics"] = removed
            if added := [m for m in news.get("metrics") or [] if before.get(m["metricName"]) != canonical(m)]:
                request["addMetrics"] = added
        if "metricsOutputConfig" in changed:
            request["metricsOutputConfig"] = news.get("metricsOutputConfig")
        return request

    def described(self, lifecycle: Lifecycle, description: dict[str, Any]) -> dict[str, Any]:
        pages = lifecycle.api.get_paginator(snake("ListMetricAttributionMetrics")).paginate(
            metricAttributionArn=description[self.spec.arn_member]
        )
        return {"metrics": [m for page in pages for m in page["metrics"]]}


class MetricAttribution(PersonalizeResource, module="personalize", name="MetricAttribution"):
    provider_class = MetricAttributionProvider
