"""Notice: a notification the `up` sends when what it tells of changes: a
Promotion's decision, or the campaigns' cost (completion/notices.py says what
each message says). Its input `event` is the thing told of; the engine calls
create or update only in an `up` whose event is new or changed, so a preview, a
refresh and a no-change `up` send nothing, and the state keeps the last event,
which is how a cost change is told old -> new.

It sends to the stack's SNS topic (`topicArn`) and/or a webhook (`webhookUrl`,
a JSON POST of the payload). A failure to send never fails the `up` nor undoes
what it tells of: the `up` warns, the state records `delivered: false`, and the
next `up` sends it again (its diff shows the notice as changing until then)."""

from typing import Any

import pulumi
from pulumi.dynamic import CheckFailure, CheckResult, CreateResult, DiffResult, ReadResult, Resource, UpdateResult

from completion.notices import KINDS, payload, told
from completion.signals import publish, webhook, webhook_problem
from providers.connected import ConnectedProvider
from providers.preview import is_unknown
from service.client import client
from service.lifecycle import canonical
from service.waiting import progress

INPUTS = ("stack", "kind", "event", "topicArn", "webhookUrl", "region")
OUTPUTS = ("delivered", "told")


class NoticeProvider(ConnectedProvider):
    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        inputs = {k: v for k, v in news.items() if k in INPUTS}
        failures = [
            CheckFailure(k, f"notice has no input {k!r}; allowed: {', '.join(INPUTS)}")
            for k in news
            if k not in INPUTS + OUTPUTS + ("__provider",)
        ]
        kind = inputs.get("kind")
        if not is_unknown(kind) and kind not in KINDS:
            failures.append(CheckFailure("kind", f"notice kind {kind!r}: allowed {', '.join(KINDS)}"))
        url = inputs.get("webhookUrl")
        if url and not is_unknown(url) and (problem := webhook_problem(url)):
            failures.append(CheckFailure("webhookUrl", f"notice webhookUrl {url!r}: {problem}"))
        return CheckResult(inputs, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        changed = [k for k in INPUTS if is_unknown(news.get(k)) or canonical(olds.get(k)) != canonical(news.get(k))]
        # Not delivered last time: sent again.
        return DiffResult(changes=bool(changed) or olds.get("delivered") is False, replaces=[])

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(f"notice-{props['stack']}-{props['kind']}", self._tell(props, None))

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        again = olds.get("delivered") is False
        before = olds.get("told") if again else olds.get("event")
        if canonical(olds.get("event")) == canonical(news.get("event")) and not again:
            # Only where it goes changed: nothing new to tell.
            return UpdateResult({**news, "delivered": olds.get("delivered", True), "told": olds.get("told")})
        return UpdateResult(self._tell(news, before))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        # What was told stays told: nothing drifts.
        return ReadResult(id_, props)

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        """Nothing to delete: the messages were sent."""

    def _tell(self, props: dict[str, Any], before: dict[str, Any] | None) -> dict[str, Any]:
        """Send the event (after `before`, the last event told) if its kind tells it; the outputs
        record whether it was delivered and `told`, the event a resend would tell after."""
        kind, event = props["kind"], props["event"]
        if not told(kind, event):
            return {**props, "delivered": True, "told": event}
        message = payload(props["stack"], kind, event, before)
        problems = []
        for where, send in _targets(props):
            try:
                send(message)
            except Exception as error:  # any failure to tell: warn and go on
                problems.append(f"{where}: {error}")
        if problems:
            progress(
                f"warning: could not send the {kind} notification ({'; '.join(problems)}); the next `up` sends it again"
            )
            return {**props, "delivered": False, "told": before}
        return {**props, "delivered": True, "told": event}


def _targets(props: dict[str, Any]) -> list[tuple[str, Any]]:
    targets: list[tuple[str, Any]] = []
    if topic := props.get("topicArn"):
        sns = client("sns", props.get("region"))
        targets.append((topic, lambda message: publish(sns, topic, message)))
    if url := props.get("webhookUrl"):
        targets.append((url, webhook(url)))
    return targets


class Notice(Resource, module="personalize", name="Notice"):
    delivered: pulumi.Output[bool]

    def __init__(self, resource_name: str, opts: pulumi.ResourceOptions | None = None, **props: Any):
        super().__init__(NoticeProvider(), resource_name, {**dict.fromkeys(OUTPUTS), **props}, opts)
