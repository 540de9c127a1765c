"""Wait settings are checked the same way for every resource as for the stack
config (service/waiting.py): unknown keys, non-positive values, and polling
whose cap is below its start (#13, finding 7)."""

from providers.campaign import CampaignProvider

BASE = {"name": "c", "solutionVersionArn": "arn:aws:personalize:us-east-1:1:solution/s/v", "region": "us-east-1"}


def reasons(waits: dict) -> list[str]:
    return [f.reason for f in CampaignProvider().check({}, {**BASE, "waits": waits}).failures]


def test_a_cap_below_the_first_interval_is_refused_at_check():
    assert reasons({"initialPollSeconds": 5, "maxPollSeconds": 1}) == [
        "waits.maxPollSeconds=1: allowed at least initialPollSeconds (5): the interval grows up to it"
    ]
    # Against the default first interval (2 s) too.
    assert reasons({"maxPollSeconds": 1}) and not reasons({"maxPollSeconds": 2})


def test_consistent_waits_pass():
    assert reasons({"initialPollSeconds": 0.05, "maxPollSeconds": 0.5, "createSeconds": 60}) == []
