"""The promotion gate's decision: a pure function of the two models' scores.

The challenger is a newly trained solution version, the champion the version
the campaign serves now. The campaign moves to the challenger only if it
scores better on `metric` by at least `min_improvement`."""

from dataclasses import dataclass

PENDING, INITIAL, SERVING, PROMOTE, REJECT = "pending", "initial", "serving", "promote", "reject"
ON_REJECT = ("warn", "fail")
DEFAULT_METRIC = "normalized_discounted_cumulative_gain_at_10"


@dataclass(frozen=True)
class Decision:
    decision: str  # initial, serving, promote, reject
    reason: str
    served: str  # the version the campaign serves after the decision

    @property
    def contested(self) -> bool:
        return self.decision in (PROMOTE, REJECT)


def decide(
    challenger: str, champion: str | None, metric: str, min_improvement: float, scores: dict[str, dict[str, float]]
) -> Decision:
    """`scores` holds each version's metrics by ARN (both, when there is a contest)."""
    if champion is None:
        return Decision(INITIAL, "no model served yet", challenger)
    if champion == challenger:
        return Decision(SERVING, "the campaign already serves it", challenger)
    new, old = scores[challenger].get(metric), scores[champion].get(metric)
    gain = (new or 0.0) - (old or 0.0)
    promote = new is not None and gain >= min_improvement
    reason = f"{metric}: challenger {new} vs champion {old} ({gain:+.4f}; at least {min_improvement:+.4f} required)"
    return Decision(PROMOTE if promote else REJECT, reason, challenger if promote else champion)
