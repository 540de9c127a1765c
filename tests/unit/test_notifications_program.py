"""The stack's notifications under mocks: declared only when configured, one topic
per stack (shared with the completion signal), email subscriptions on it, and a
Notice per gate and one for the cost; bad settings are one clear error."""

import pytest

from stacks.config import ConfigError, parse
from tests.helpers.mocked_program import ACCOUNT, run_program
from tests.unit.test_program import EXPERIMENT, exported  # noqa: F401 - the program's preview fixture

NOTICE = "pulumi-python:dynamic/personalize:Notice"
TOPIC = "aws:sns/topic:Topic"
SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
GITHUB = {"repository": "acme/recs", "secretArn": f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:gh-AbCdEf"}
BROUGHT = f"arn:aws:sns:us-east-1:{ACCOUNT}:team-alerts"
HOOK = "http://127.0.0.1:8787/notify"
# How the engine marks a secret value (pulumi.runtime.rpc).
SECRET, SECRET_VALUE = "4dabf18193072939515e22adb298388d", "1b47061264138c4ac30d75fd1eb44270"


def program(notifications: dict | None, signal: dict | None = None, stack: str = "dev"):
    config: dict = {"experiments": [EXPERIMENT, {**EXPERIMENT, "name": "other", "minProvisionedTPS": 1}]}
    if notifications is not None:
        config["notifications"] = notifications
    if signal is not None:
        config["completionSignal"] = signal
    return run_program(stack, config)


def notices(mocks) -> dict[str, dict]:
    return {r.name: r.inputs for r in mocks.of_type(NOTICE)}


@pytest.mark.parametrize("notifications", [None, {}, {"snsTopic": False}], ids=["absent", "empty", "off"])
def test_off_by_default_nothing_is_declared(notifications):
    # An upgraded stack without notifications previews with no new resource.
    mocks = program(notifications)
    assert notices(mocks) == {}
    assert mocks.of_type(TOPIC) == [] and mocks.of_type(SUBSCRIPTION) == []


def test_a_webhook_alone_declares_the_notices_and_no_aws_resource():
    mocks = program({"webhookUrl": HOOK}, stack="local")
    declared = notices(mocks)
    assert set(declared) == {"notifications-gate-popular", "notifications-gate-other", "notifications-cost"}
    assert {n["kind"] for n in declared.values()} == {"gate-decision", "cost-change"}
    assert all(n["topicArn"] == "" for n in declared.values())
    # A chat webhook's URL is its credential: secret in the state.
    assert all(n["webhookUrl"] == {SECRET: SECRET_VALUE, "value": HOOK} for n in declared.values())
    # The cost figure is the input: known at preview, so a TPS change shows the notice changing.
    assert declared["notifications-cost"]["event"] == {
        "usdPerMonthAtLeast": 438.0,
        "experiments": {"other": 146.0, "popular": 292.0},
    }
    assert declared["notifications-gate-popular"]["event"]["campaignName"] == "local-popular"
    assert not [r for r in mocks.resources if r.typ.startswith("aws:sns")]


def test_sns_topic_true_creates_one_topic_with_the_email_subscriptions():
    mocks = program({"snsTopic": True, "emails": ["ml-team@example.com", "oncall@example.com"]})
    [topic] = mocks.of_type(TOPIC)
    arn = f"arn:aws:sns:us-east-1:{ACCOUNT}:{topic.name}"
    subscriptions = mocks.of_type(SUBSCRIPTION)
    assert sorted((s.inputs["protocol"], s.inputs["endpoint"], s.inputs["topic"]) for s in subscriptions) == [
        ("email", "ml-team@example.com", arn),
        ("email", "oncall@example.com", arn),
    ]
    assert {n["topicArn"] for n in notices(mocks).values()} == {arn}


def test_a_brought_topic_is_used_not_created():
    mocks = program({"snsTopic": BROUGHT, "emails": ["ml-team@example.com"]})
    assert mocks.of_type(TOPIC) == []
    [subscription] = mocks.of_type(SUBSCRIPTION)
    assert subscription.inputs["topic"] == BROUGHT
    assert {n["topicArn"] for n in notices(mocks).values()} == {BROUGHT}


def test_the_completion_signal_s_topic_is_the_stack_s_topic_and_stays_where_it_was():
    # A shipped config with completionSignal.snsTopic true keeps its topic (same name, same parent).
    mocks = program({"snsTopic": True}, signal={"enabled": True, "snsTopic": True})
    [topic] = mocks.of_type(TOPIC)
    assert topic.name == "completion-topic"
    arn = f"arn:aws:sns:us-east-1:{ACCOUNT}:completion-topic"
    assert {n["topicArn"] for n in notices(mocks).values()} == {arn}


def test_the_completion_function_publishes_the_ends_it_sees_to_the_notifications_topic():
    # Failures with the service's reason reach the people notifications tell.
    mocks = program({"snsTopic": True}, signal={"enabled": True, "github": GITHUB})
    [topic] = mocks.of_type(TOPIC)
    assert topic.name == "notifications-topic"
    [function] = mocks.of_type("aws:lambda/function:Function")
    arn = f"arn:aws:sns:us-east-1:{ACCOUNT}:notifications-topic"
    assert function.inputs["environment"]["variables"]["SNS_TOPIC_ARN"] == arn


def test_a_webhook_with_the_completion_topic_sends_notices_to_the_webhook_only():
    mocks = program({"webhookUrl": HOOK}, signal={"enabled": True, "snsTopic": True})
    assert {n["topicArn"] for n in notices(mocks).values()} == {""}


@pytest.mark.parametrize(
    ("notifications", "signal", "key", "allowed"),
    [
        ({"webhookUrl": "ftp://example.com/x"}, None, "notifications.webhookUrl", "http:// or https://"),
        ({"webhookUrl": "localhost:8787"}, None, "notifications.webhookUrl", "http:// or https://"),
        ({"emails": ["ml-team@example.com"]}, None, "notifications.emails", "snsTopic true or an ARN"),
        ({"snsTopic": True, "emails": ["not-an-address"]}, None, "notifications.emails[0]", "an email address"),
        ({"snsTopic": "arn:aws:sns:us-east-1:1:x"}, None, "notifications.snsTopic", "arn:aws:sns"),
        ({"snsTopic": BROUGHT}, {"enabled": True, "snsTopic": True}, "notifications.snsTopic", "one topic"),
        ({"snsTopic": BROUGHT}, {"enabled": True, "snsTopic": BROUGHT + "-2"}, "notifications.snsTopic", "one topic"),
        ({"webhook": HOOK}, None, "notifications.webhook", ""),
    ],
)
def test_bad_settings_are_one_error_naming_the_key(notifications, signal, key, allowed):
    raw: dict = {"experiments": [EXPERIMENT], "notifications": notifications}
    if signal:
        raw["completionSignal"] = signal
    with pytest.raises(ConfigError) as error:
        parse("dev", raw)
    assert error.value.key == key, str(error.value)
    assert allowed in str(error.value)


def test_the_same_topic_named_twice_is_one_topic():
    parse(
        "dev",
        {
            "experiments": [EXPERIMENT],
            "notifications": {"snsTopic": BROUGHT},
            "completionSignal": {"enabled": True, "snsTopic": BROUGHT},
        },
    )
    mocks = program({"snsTopic": BROUGHT}, signal={"enabled": True, "snsTopic": BROUGHT})
    assert mocks.of_type(TOPIC) == []
    assert {n["topicArn"] for n in notices(mocks).values()} == {BROUGHT}
