"""Lookups that list campaigns read every page, and skip campaigns being deleted."""

from providers.promotion import _campaign
from providers.solution import _campaigns_serving
from service.lifecycle import live_campaigns

PAGES = [
    {"campaigns": [{"name": "old", "campaignArn": "arn:c/old", "status": "DELETE IN_PROGRESS"}], "nextToken": "t"},
    {"campaigns": [{"name": "main", "campaignArn": "arn:c/main", "status": "ACTIVE"}]},
]


class PagedApi:
    def __init__(self):
        self.filters = []

    def get_paginator(self, operation):
        assert operation == "list_campaigns"
        api = self

        class Paginator:
            def paginate(self, **filters):
                api.filters.append(filters)
                return iter(PAGES)

        return Paginator()

    def describe_campaign(self, campaignArn):
        return {"campaign": {"campaignArn": campaignArn, "solutionVersionArn": "arn:s/v1"}}


def test_campaigns_on_later_pages_are_found_and_deleting_ones_are_not():
    api = PagedApi()
    assert [c["name"] for c in live_campaigns(api)] == ["main"]
    assert _campaign(api, "main")["solutionVersionArn"] == "arn:s/v1"
    assert _campaign(api, "old") is None
    assert _campaigns_serving(api, "arn:s") == ["arn:c/main"]
    assert api.filters[-1] == {"solutionArn": "arn:s"}
