"""The Notice provider: what it tells, when, and that a failure to tell warns
and is retried instead of failing the `up`. A loopback receiver stands in for
the webhook; botocore's Stubber checks the SNS Publish against the service model."""

import json

import boto3
import pytest
from botocore.stub import ANY, Stubber

from completion.notices import cost_payload, decision_payload
from completion.signals import publish
from providers import notice
from providers.notice import NoticeProvider
from tests.helpers.receiver import Receiver

TOPIC = "arn:aws:sns:us-east-1:123456789012:team-alerts"
EVIDENCE = {
    "method": "paired bootstrap",
    "difference": 0.0123,
    "low": 0.0041,
    "high": 0.0207,
    "pValue": 0.0025,
    "confidence": 0.95,
    "users": 480.0,
    "resamples": 2000,
}


def decision(name="promote", challenger="arn:aws:personalize:us-east-1:1:solution/shop/v2", evidence=EVIDENCE):
    return {
        "campaignName": "dev-shop",
        "decision": name,
        "reason": "validation.ndcg_at_10: ... the whole interval is above +0.0000",
        "metric": "validation.ndcg_at_10",
        "minImprovement": 0.0,
        "challengerArn": challenger,
        "championArn": "arn:aws:personalize:us-east-1:1:solution/shop/v1",
        "decidedAt": "2026-12-01T20:00:00+00:00",
        "evidence": evidence,
    }


def cost(total, **experiments):
    return {"usdPerMonthAtLeast": total, "experiments": experiments}


@pytest.fixture
def receiver():
    r = Receiver()
    r.status = 200
    yield r
    r.stop()


def props(receiver, kind, event, **more):
    inputs = {"stack": "dev", "kind": kind, "event": event, "topicArn": "", "webhookUrl": receiver.url + "/notify"}
    checked = NoticeProvider().check({}, {**inputs, **more})
    assert checked.failures == [], [f.reason for f in checked.failures]
    return checked.inputs


def bodies(receiver) -> list[dict]:
    return [r["body"] for r in receiver.take()]


def test_a_decision_message_carries_the_interval_the_p_value_and_the_users():
    message = decision_payload("dev", decision())
    assert (message["stack"], message["kind"], message["outcome"]) == ("dev", "gate-decision", "promote")
    assert message["interval"] == "[+0.0041, +0.0207]"
    assert (message["low"], message["high"], message["confidence"]) == (0.0041, 0.0207, 0.95)
    assert (message["pValue"], message["difference"]) == (0.0025, 0.0123)
    assert message["users"] == 480 and isinstance(message["users"], int)  # the state had 480.0
    assert message["campaign"] == "dev-shop" and message["metric"] == "validation.ndcg_at_10"


def test_a_point_decision_has_no_interval():
    message = decision_payload("dev", decision("reject", evidence={"method": "point comparison", "difference": -0.01}))
    assert "interval" not in message and "pValue" not in message
    assert message["difference"] == -0.01


def test_a_cost_message_says_old_and_new():
    message = cost_payload("dev", cost(584.0, shop=292.0, search=292.0), cost(438.0, shop=146.0, search=292.0))
    assert message["outcome"] == "up"
    assert message["change"] == "$438.00 -> $584.00 a month"
    assert message["experiment shop"] == "$146.00 -> $292.00"
    assert "experiment search" not in message  # unchanged
    first = cost_payload("dev", cost(146.0, shop=146.0), None)
    assert first["outcome"] == "first-figure" and first["change"] == "none -> $146.00 a month"


def test_a_decision_is_told_once_and_nothing_when_not_contested(receiver):
    provider = NoticeProvider()
    initial = props(receiver, "gate-decision", decision("initial", evidence={}))
    created = provider.create(initial)
    assert bodies(receiver) == [] and created.outs["delivered"] is True
    promoted = props(receiver, "gate-decision", decision())
    assert provider.diff(created.id, created.outs, promoted).changes
    updated = provider.update(created.id, created.outs, promoted)
    [body] = bodies(receiver)
    assert body["outcome"] == "promote" and body["interval"] == "[+0.0041, +0.0207]" and body["pValue"] == 0.0025
    # The next `up` with nothing new: no change, so the engine calls nothing.
    assert not provider.diff(created.id, updated.outs, promoted).changes


def test_a_cost_change_is_told_old_to_new(receiver):
    provider = NoticeProvider()
    created = provider.create(props(receiver, "cost-change", cost(146.0, shop=146.0)))
    assert [b["change"] for b in bodies(receiver)] == ["none -> $146.00 a month"]
    more = props(receiver, "cost-change", cost(292.0, shop=292.0))
    assert provider.diff(created.id, created.outs, more).changes
    provider.update(created.id, created.outs, more)
    [body] = bodies(receiver)
    assert body["change"] == "$146.00 -> $292.00 a month" and body["outcome"] == "up"


def test_a_new_destination_alone_sends_nothing(receiver):
    provider = NoticeProvider()
    created = provider.create(props(receiver, "cost-change", cost(146.0, shop=146.0)))
    receiver.take()
    moved = {**created.outs, "webhookUrl": receiver.url + "/elsewhere"}
    updated = provider.update(created.id, created.outs, moved)
    assert bodies(receiver) == [] and updated.outs["delivered"] is True


def test_a_failure_to_tell_warns_keeps_going_and_is_sent_again(receiver, capsys):
    provider = NoticeProvider()
    created = provider.create(props(receiver, "cost-change", cost(146.0, shop=146.0)))
    receiver.take()
    receiver.status = 500
    more = props(receiver, "cost-change", cost(292.0, shop=292.0))
    failed = provider.update(created.id, created.outs, more)  # does not raise
    assert failed.outs["delivered"] is False
    assert "warning: could not send the cost-change notification" in capsys.readouterr().err
    assert len(receiver.take()) == 1
    # The next `up`, with the same figure: the notice shows a change and sends it again, old -> new.
    assert provider.diff(created.id, failed.outs, more).changes
    receiver.status = 200
    again = provider.update(created.id, failed.outs, more)
    [body] = bodies(receiver)
    assert body["change"] == "$146.00 -> $292.00 a month" and again.outs["delivered"] is True
    assert not provider.diff(created.id, again.outs, more).changes


def test_an_unreachable_webhook_is_a_warning_too(capsys):
    provider = NoticeProvider()
    inputs = {
        "stack": "dev",
        "kind": "cost-change",
        "event": cost(1.0),
        "topicArn": "",
        "webhookUrl": "http://127.0.0.1:9/x",
    }
    assert provider.create(provider.check({}, inputs).inputs).outs["delivered"] is False
    assert "could not send" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("key", "value", "says"),
    [("kind", "gossip", "allowed gate-decision, cost-change"), ("webhookUrl", "file:///etc/passwd", "http://")],
)
def test_bad_inputs_are_named(key, value, says):
    inputs = {"stack": "dev", "kind": "cost-change", "event": cost(1.0), "topicArn": "", key: value}
    [failure] = NoticeProvider().check({}, inputs).failures
    assert failure.property == key and says in failure.reason


def test_the_sns_message_has_text_for_email_and_chatbot_s_schema_for_https(monkeypatch):
    sns = boto3.client("sns", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    sent = []
    with Stubber(sns) as stub:  # checks the request against botocore's model of Publish
        stub.add_response(
            "publish",
            {"MessageId": "1"},
            {"TopicArn": TOPIC, "Subject": ANY, "Message": ANY, "MessageStructure": "json"},
        )
        monkeypatch.setattr(notice, "client", lambda *a, **k: sns)
        sns.meta.events.register("before-parameter-build.sns.Publish", lambda params, **_: sent.append(dict(params)))
        out = NoticeProvider().create(
            {"stack": "dev", "kind": "gate-decision", "event": decision(), "topicArn": TOPIC, "webhookUrl": ""}
        )
        stub.assert_no_pending_responses()
    assert out.outs["delivered"] is True
    [params] = sent
    assert params["Subject"] == "personalize dev: gate-decision promote"
    message = json.loads(params["Message"])
    assert message["default"] == message["email"]
    assert "interval: [+0.0041, +0.0207]" in message["email"].splitlines()
    chat = json.loads(message["https"])
    assert (chat["version"], chat["source"]) == ("1.0", "custom")
    assert chat["content"]["title"] == params["Subject"] and "pValue: 0.0025" in chat["content"]["description"]


def test_publish_is_the_completion_signal_s_too():
    # One way to publish: the completion function's sns_message goes through it.
    from completion.signals import sns_message

    calls = []

    class Sns:
        def publish(self, **params):
            calls.append(params)

    sns_message(Sns(), TOPIC)({"stack": "dev", "kind": "training", "outcome": "failed", "failureReason": "bad data"})
    publish(Sns(), TOPIC, {"stack": "dev", "kind": "training", "outcome": "failed", "failureReason": "bad data"})
    assert calls[0] == calls[1] and "failureReason: bad data" in json.loads(calls[0]["Message"])["email"]
