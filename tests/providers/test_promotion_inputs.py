"""The gate's paired-test settings as Promotion inputs: checked, part of the
decision, and absent from a state an earlier release wrote, which must keep its
decision (no re-scoring, no batch jobs) when the program now passes the defaults."""

import pytest

from providers.promotion import PromotionProvider

VALIDATION = {"bucket": "b", "datasetVersion": "v1", "roleArn": "arn:aws:iam::0:role/r", "maxUsers": 500}
# What the program passes (stacks/experiment.py) with the default settings.
PROGRAM = {
    "campaignName": "shop",
    "challengerArn": "arn:aws:personalize:us-east-1:0:solution/shop/v2",
    "challengerStatus": "ACTIVE",
    "metric": "validation.ndcg_at_10",
    "minImprovement": 0.0,
    "onReject": "warn",
    "validation": VALIDATION,
    "historyBucket": "b",
}
DEFAULT_TEST = {"confidence": 0.95, "minUsers": 50, "resamples": 2000}


def checked(**props):
    result = PromotionProvider().check({}, {**PROGRAM, **props})
    assert result.failures == [], [f.reason for f in result.failures]
    return result.inputs


def earlier_release_state() -> dict:
    """A state the previous release recorded: its inputs and outputs, without the test settings."""
    return {**PROGRAM, "decision": "promote", "reason": "validation.ndcg_at_10: ...", "evidence": None}


def test_a_state_without_the_test_settings_keeps_its_decision_under_the_defaults():
    assert not PromotionProvider().diff("promotion-shop", earlier_release_state(), checked(**DEFAULT_TEST)).changes
    # Not passed at all (an older program): the defaults too.
    assert not PromotionProvider().diff("promotion-shop", earlier_release_state(), checked()).changes


@pytest.mark.parametrize("key, value", [("confidence", 0.99), ("minUsers", 100), ("resamples", 5000)])
def test_a_changed_test_setting_is_a_new_decision(key, value):
    before = {**earlier_release_state(), **checked()}
    assert not PromotionProvider().diff("promotion-shop", before, checked()).changes
    assert PromotionProvider().diff("promotion-shop", before, checked(**{key: value})).changes


@pytest.mark.parametrize(
    "key, value, allowed",
    [
        ("confidence", 1.0, "a number from 0.5 to 0.999"),
        ("confidence", "high", "a number from 0.5 to 0.999"),
        ("minUsers", 0, "an integer from 1 to 100000"),
        ("minUsers", 2.5, "an integer from 1 to 100000"),
        ("resamples", 50_000, "an integer from 100 to 20000"),
        ("resamples", True, "an integer from 100 to 20000"),
    ],
)
def test_bad_test_settings_name_the_key_the_value_and_what_is_allowed(key, value, allowed):
    failures = PromotionProvider().check({}, {**PROGRAM, key: value}).failures
    assert [(f.property, f.reason) for f in failures] == [(key, f"promotion {key} {value!r}: {allowed}")]
