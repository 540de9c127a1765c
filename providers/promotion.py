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
(`onReject`). On a `validation.*` ranking metric "better" is a paired
comparison on the same users (evaluation/gate.py): promoted when the
`confidence` interval of the mean per-user gain is above `minImprovement`,
rejected when it is at or below, `inconclusive` (the champion kept, the `up`
warns) when it straddles it or fewer than `minUsers` users were scored. A challenger still training leaves the champion serving
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
from evaluation.gate import (
    DEFAULT_CONFIDENCE,
    DEFAULT_METRIC,
    DEFAULT_MIN_USERS,
    DEFAULT_RESAMPLES,
    INCONCLUSIVE,
    ON_REJECT,
    PENDING,
    REJECT,
    decide,
)
from evaluation.scoring import score_versions
from providers.connected import ConnectedProvider
from providers.preview import is_unknown
from service.client import client
from service.lifecycle import canonical, live_campaigns
from service.waiting import progress
from servicemodel.requests import SERVICE

# The paired test's settings; a state written before they existed has none, and
# reads as these defaults (so its decision stands: see diff).
TEST_DEFAULTS = {"confidence": DEFAULT_CONFIDENCE, "minUsers": DEFAULT_MIN_USERS, "resamples": DEFAULT_RESAMPLES}
# The bounds stacks/config.py's Promotion documents.
TEST_BOUNDS = {"confidence": (0.5, 0.999), "minUsers": (1, 100_000), "resamples": (100, 20_000)}
DEFAULTS = {"metric": DEFAULT_METRIC, "minImprovement": 0.0, "onReject": "warn", **TEST_DEFAULTS}
# A change to any of these is a new decision.
DECIDING = (
    "campaignName",
    "challengerArn",
    "challengerStatus",
    "metric",
    "minImprovement",
    "onReject",
    "validation",
    *TEST_DEFAULTS,
)
INPUTS = DECIDING + ("historyBucket", "region", "endpoint", "waits")
VALIDATION_KEYS = ("bucket", "datasetVersion", "roleArn", "maxUsers", "eventType")
OUTPUTS = (
    "decision",
    "reason",
    "championArn",
    "servedVersionArn",
    "championMetrics",
    "challengerMetrics",
    "evidence",
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
        for key, (least, most) in TEST_BOUNDS.items():
            value = inputs[key]
            whole = key != "confidence"
            if is_unknown(value):
                continue
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or (whole and value != int(value))
                or not least <= value <= most
            ):
                kind = "an integer" if whole else "a number"
                failures.append(CheckFailure(key, f"promotion {key} {value!r}: {kind} from {least} to {most}"))
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
        olds = {**TEST_DEFAULTS, **olds}
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
            return _without_nulls(self._outputs(props, PENDING, reason, champion, champion, None, None, None))
        contested = champion if champion is not None and champion != challenger else None
        scored = score_versions(
            [challenger, contested] if contested else [challenger],
            props.get("validation"),
            region=props.get("region"),
            endpoint=props.get("endpoint"),
            waits=props.get("waits"),
        )
        test = {**TEST_DEFAULTS, **{k: props[k] for k in TEST_DEFAULTS if props.get(k) is not None}}
        decision = decide(
            challenger,
            champion,
            props["metric"],
            props["minImprovement"],
            scored.metrics,
            scored.per_user,
            confidence=float(test["confidence"]),
            min_users=int(test["minUsers"]),
            resamples=int(test["resamples"]),
        )
        outputs = self._outputs(
            props,
            decision.decision,
            decision.reason,
            champion,
            decision.served,
            scored.metrics[contested] if contested else None,
            scored.metrics[challenger],
            decision.evidence.record() if decision.evidence else None,
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
                    "confidence",
                    "minUsers",
                    "resamples",
                    "challengerArn",
                    "championArn",
                    "challengerMetrics",
                    "championMetrics",
                    "evidence",
                    "decidedAt",
                )
            },
        )
        if decision.decision == REJECT:
            message = f"promotion of {challenger} rejected; campaign {props['campaignName']} keeps {champion}. {decision.reason}"
            if props["onReject"] == "fail":
                raise PromotionRejected(message)
            progress(message)
        if decision.decision == INCONCLUSIVE:
            # Not a rejection: too little evidence either way, so `onReject: fail` does not stop the `up`.
            progress(
                f"promotion of {challenger} inconclusive; campaign {props['campaignName']} keeps {champion}. "
                f"{decision.reason}"
            )
        return _without_nulls(outputs)

    def _outputs(
        self, props, decision, reason, champion, served, champion_metrics, challenger_metrics, evidence
    ) -> dict[str, Any]:
        return {
            **props,
            "decision": decision,
            "reason": reason,
            "championArn": champion,
            "servedVersionArn": served,
            "championMetrics": champion_metrics,
            "challengerMetrics": challenger_metrics,
            "evidence": evidence,
            "decidedAt": datetime.now(UTC).isoformat(),
            "history": None,
        }


def _without_nulls(outputs: dict[str, Any]) -> dict[str, Any]:
    """Outputs with "" and {} for "none": a key missing from the state reads as
    unknown in every later preview, which would show the outputs as changing."""
    empty: dict[str, Any] = {"championMetrics": {}, "challengerMetrics": {}, "evidence": {}}
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
    evidence: pulumi.Output[dict]

    def __init__(self, resource_name: str, opts: pulumi.ResourceOptions | None = None, **props: Any):
        super().__init__(PromotionProvider(), resource_name, {**dict.fromkeys(OUTPUTS), **props}, opts)
