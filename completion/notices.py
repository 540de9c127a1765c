"""What the stack's notifications say: a gate decision and a change of the
campaigns' cost, as payloads of the same shape as the completion signal's (flat,
with stack, kind and outcome: completion/signals.py sends any of them by SNS or
webhook). providers/notice.py decides when one is sent."""

from collections.abc import Mapping
from typing import Any

GATE_DECISION, COST_CHANGE = "gate-decision", "cost-change"
KINDS = (GATE_DECISION, COST_CHANGE)
# The decisions worth telling someone about: a contest between two models
# (evaluation/gate.py); "initial", "serving" and "pending" are not decisions anyone waits for.
TOLD = ("promote", "reject", "inconclusive")
# The evidence's keys (evaluation/gate.py's Evidence.record), in the order a person reads them.
EVIDENCE = ("method", "difference", "low", "high", "confidence", "pValue", "users", "resamples")


def decision_event(promotion: Mapping[str, Any]) -> dict[str, Any]:
    """What a Promotion's outputs say of its latest decision: the notice's input."""
    keys = ("campaignName", "decision", "reason", "metric", "minImprovement", "challengerArn", "championArn")
    return {k: promotion.get(k) for k in keys + ("decidedAt",)} | {"evidence": dict(promotion.get("evidence") or {})}


def cost_event(cost: Mapping[str, Any]) -> dict[str, Any]:
    """What of stacks/cost.py's figure a change is told of: the total and each experiment's."""
    return {
        "usdPerMonthAtLeast": cost["usdPerMonthAtLeast"],
        "experiments": {name: e["usdPerMonth"] for name, e in sorted(cost.get("experiments", {}).items())},
    }


def told(kind: str, event: Mapping[str, Any]) -> bool:
    """Whether a new or changed event of this kind is told: every cost figure, a contested decision."""
    return kind == COST_CHANGE or event.get("decision") in TOLD


def payload(stack: str, kind: str, event: Mapping[str, Any], before: Mapping[str, Any] | None) -> dict[str, Any]:
    if kind == GATE_DECISION:
        return decision_payload(stack, event)
    return cost_payload(stack, event, before)


def decision_payload(stack: str, event: Mapping[str, Any]) -> dict[str, Any]:
    """A gate decision: which campaign, what was decided on which metric, and the evidence
    (the paired difference, its interval at the confidence, the p-value and the users)."""
    evidence = event.get("evidence") or {}
    out: dict[str, Any] = {
        "stack": stack,
        "kind": GATE_DECISION,
        "outcome": event["decision"],
        "campaign": event.get("campaignName"),
        "metric": event.get("metric"),
        "minImprovement": event.get("minImprovement"),
    }
    out |= {k: evidence[k] for k in EVIDENCE if evidence.get(k) is not None}
    # Counts come back from the engine's state as floats (59.0 users).
    out |= {k: int(out[k]) for k in ("users", "resamples") if isinstance(out.get(k), float)}
    if evidence.get("low") is not None and evidence.get("high") is not None:
        out["interval"] = f"[{evidence['low']:+.4f}, {evidence['high']:+.4f}]"
    out |= {
        "challengerArn": event.get("challengerArn"),
        "championArn": event.get("championArn"),
        "decidedAt": event.get("decidedAt"),
        "reason": event.get("reason"),
    }
    return {k: v for k, v in out.items() if v is not None}


def cost_payload(stack: str, event: Mapping[str, Any], before: Mapping[str, Any] | None) -> dict[str, Any]:
    """The least the campaigns cost a month, old -> new (old: none when notifications are new),
    and each experiment whose figure moved."""
    old = before["usdPerMonthAtLeast"] if before else None
    new = event["usdPerMonthAtLeast"]
    out: dict[str, Any] = {
        "stack": stack,
        "kind": COST_CHANGE,
        "outcome": "first-figure" if before is None else ("up" if new > old else "down" if new < old else "moved"),
        "usdPerMonthAtLeast": new,
        "change": f"{_usd(old)} -> {_usd(new)} a month",
    }
    was = (before or {}).get("experiments", {})
    for name in sorted(set(was) | set(event.get("experiments", {}))):
        then, now = was.get(name), event.get("experiments", {}).get(name)
        if then != now:
            out[f"experiment {name}"] = f"{_usd(then)} -> {_usd(now)}"
    return out


def _usd(value: float | None) -> str:
    return "none" if value is None else f"${value:,.2f}"
