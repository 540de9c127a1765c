"""Promotion: the gate between a newly trained solution version (the
challenger) and the campaign, which serves whatever this resource's
`servedVersionArn` says.

Not a Personalize resource but a recorded decision. When the challenger is
ACTIVE and differs from the version the campaign serves now (the champion),
both are scored on the stack's metric: the service's offline metrics
(GetSolutionMetrics), or `validation.<name>`, computed on the held-out
validation set of the dataset version (see evaluation/validation.py). The
campaign moves to the challenger only if it is better by at least
`minImprovement`; otherwise it keeps the champion and the `up` warns or fails
(`onReject`). A challenger still training leaves the champion serving
(decision "pending") until a later `up` sees it finished.

Every decision, with both sets of metrics, is appended to
s3://<historyBucket>/promotions/<campaign>.jsonl, the audit trail."""

import json
from datetime import UTC, datetime
from typing import Any

import pulumi
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    CreateResult,
    DiffResult,
    ReadResult,
    Resource,
    UpdateResult,
)

from common.layout import promotion_history_key
from common.statuses import ACTIVE, METRICS, VALIDATION_PREFIX
from evaluation.gate import DEFAULT_METRIC, ON_REJECT, PENDING, REJECT, decide
from evaluation.scoring import scores
from providers.connected import ConnectedProvider
from providers.preview import is_unknown
from service.client import client
from service.lifecycle import canonical, live_campaigns
from service.waiting import progress
from servicemodel.requests import SERVICE

DEFAULTS = {"metric": DEFAULT_METRIC, "minImprovement": 0.0, "onReject": "warn"}
# A change to any of these is a new decision.
DECIDING = ("campaignName", "challengerArn", "challengerStatus", "metric", "minImprovement", "onReject", "validation")
INPUTS = DECIDING + ("historyBucket", "region", "endpoint", "waits")
VALIDATION_KEYS = ("bucket", "datasetVersion", "roleArn", "maxUsers", "eventType")
OUTPUTS = (
    "decision",
    "reason",
    "championArn",
    "servedVersionArn",
    "championMetrics",
    "challengerMetrics",
    "decidedAt",
    "history",
)


class PromotionRejected(RuntimeError):
    pass


def _campaign(api, name: str) -> dict | None:
    found = next((c for c in live_campaigns(api) if c["name"] == name), None)
    return api.describe_campaign(campaignArn=found["campaignArn"])["campaign"] if found else None


def _append_history(props: dict[str, Any], decision: dict[str, Any]) -> str | None:
    bucket = props.get("historyBucket")
    if not bucket:
        return None
    s3 = client("s3", props.get("region"), props.get("endpoint"))
    key = promotion_history_key(props["campaignName"])
    try:
        before = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except s3.exceptions.NoSuchKey:
        before = b""
    s3.put_object(Bucket=bucket, Key=key, Body=before + (json.dumps(decision, sort_keys=True) + "\n").encode())
    return f"s3://{bucket}/{key}"


class PromotionProvider(ConnectedProvider):
    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        inputs = {**DEFAULTS, **{k: v for k, v in news.items() if k in INPUTS and v is not None}}
        failures = [
            CheckFailure(k, f"promotion has no input {k!r}; allowed: {', '.join(INPUTS)}")
            for k in news
            if k not in INPUTS + OUTPUTS + ("__provider",)
        ]
        metric, margin, on_reject = inputs["metric"], inputs["minImprovement"], inputs["onReject"]
        if not is_unknown(metric) and metric not in METRICS:
            failures.append(CheckFailure("metric", f"promotion metric {metric!r}: allowed {', '.join(METRICS)}"))
        if not is_unknown(metric) and str(metric).startswith(VALIDATION_PREFIX) and not inputs.get("validation"):
            failures.append(CheckFailure("metric", f"promotion metric {metric!r} needs the validation input"))
        if not is_unknown(margin) and (isinstance(margin, bool) or not isinstance(margin, (int, float))):
            failures.append(CheckFailure("minImprovement", f"promotion minImprovement {margin!r}: a number"))
        if not is_unknown(on_reject) and on_reject not in ON_REJECT:
            failures.append(
                CheckFailure("onReject", f"promotion onReject {on_reject!r}: allowed {', '.join(ON_REJECT)}")
            )
        validation = inputs.get("validation")
        if isinstance(validation, dict):
            failures += [
                CheckFailure(
                    f"validation.{k}", f"promotion validation has no key {k!r}; allowed: {', '.join(VALIDATION_KEYS)}"
                )
                for k in validation
                if k not in VALIDATION_KEYS
            ]
        if not inputs.get("campaignName"):
            failures.append(CheckFailure("campaignName", "promotion campaignName is required"))
        return CheckResult(inputs, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        changed = [k for k in DECIDING if is_unknown(news.get(k)) or not _same(olds.get(k), news.get(k))]
        return DiffResult(changes=bool(changed), replaces=[], delete_before_replace=False)

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(f"promotion-{props['campaignName']}", self._decide(props))

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(self._decide(news))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        # A decision is a record of what was decided: it does not drift.
        return ReadResult(id_, props)

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        """The history stays in S3: it is the audit trail."""

    def _decide(self, props: dict[str, Any]) -> dict[str, Any]:
        challenger, status = props.get("challengerArn"), props.get("challengerStatus")
        campaign = _campaign(client(SERVICE, props.get("region"), props.get("endpoint")), props["campaignName"])
        champion = campaign["solutionVersionArn"] if campaign else None
        if not challenger or status != ACTIVE:
            if champion is None:
                raise PromotionRejected(
                    f"campaign {props['campaignName']} has no model to serve: the challenger "
                    f"{challenger or '(not started)'} is {status}"
                )
            reason = f"challenger {challenger or '(not started)'} is {status}; the campaign keeps serving {champion}"
            progress(f"promotion of {props['campaignName']}: {reason}")
            return _without_nulls(self._outputs(props, PENDING, reason, champion, champion, None, None))
        contested = champion if champion is not None and champion != challenger else None
        scored = scores(
            [challenger, contested] if contested else [challenger],
            props.get("validation"),
            region=props.get("region"),
            endpoint=props.get("endpoint"),
            waits=props.get("waits"),
        )
        decision = decide(challenger, champion, props["metric"], props["minImprovement"], scored)
        outputs = self._outputs(
            props,
            decision.decision,
            decision.reason,
            champion,
            decision.served,
            scored[contested] if contested else None,
            scored[challenger],
        )
        outputs["history"] = _append_history(
            props,
            {
                k: outputs.get(k)
                for k in (
                    "campaignName",
                    "decision",
                    "reason",
                    "metric",
                    "minImprovement",
                    "challengerArn",
                    "championArn",
                    "challengerMetrics",
                    "championMetrics",
                    "decidedAt",
                )
            },
        )
        if decision.decision == REJECT:
            message = f"promotion of {challenger} rejected; campaign {props['campaignName']} keeps {champion}. {decision.reason}"
            if props["onReject"] == "fail":
                raise PromotionRejected(message)
            progress(message)
        return _without_nulls(outputs)

    def _outputs(
        self, props, decision, reason, champion, served, champion_metrics, challenger_metrics
    ) -> dict[str, Any]:
        return {
            **props,
            "decision": decision,
            "reason": reason,
            "championArn": champion,
            "servedVersionArn": served,
            "championMetrics": champion_metrics,
            "challengerMetrics": challenger_metrics,
            "decidedAt": datetime.now(UTC).isoformat(),
            "history": None,
        }


def _without_nulls(outputs: dict[str, Any]) -> dict[str, Any]:
    """Outputs with "" and {} for "none": a key missing from the state reads as
    unknown in every later preview, which would show the outputs as changing."""
    empty: dict[str, Any] = {"championMetrics": {}, "challengerMetrics": {}}
    return {**outputs, **{k: empty.get(k, "") for k in OUTPUTS + ("challengerArn",) if outputs.get(k) is None}}


def _same(old: Any, new: Any) -> bool:
    return canonical(old or None) == canonical(new or None)


class Promotion(Resource, module="personalize", name="Promotion"):
    servedVersionArn: pulumi.Output[str]
    decision: pulumi.Output[str]
    reason: pulumi.Output[str]
    championArn: pulumi.Output[str]
    championMetrics: pulumi.Output[dict]
    challengerMetrics: pulumi.Output[dict]

    def __init__(self, resource_name: str, opts: pulumi.ResourceOptions | None = None, **props: Any):
        super().__init__(PromotionProvider(), resource_name, {**dict.fromkeys(OUTPUTS), **props}, opts)
