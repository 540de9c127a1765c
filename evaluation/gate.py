"""The promotion gate's decision: a pure function of the two models' scores.

The challenger is a newly trained solution version, the champion the version
the campaign serves now. The campaign moves to the challenger only if it
scores better on `metric` by at least `min_improvement`.

On a `validation.*` ranking metric both versions are scored on the same
validation users, so the comparison is paired: each user's difference
(challenger minus champion), and a paired bootstrap confidence interval of
their mean. The challenger is promoted only when the whole interval is above
`min_improvement`, rejected when the whole interval is at or below it, and
otherwise the decision is `inconclusive` (the champion keeps serving). A
service metric (GetSolutionMetrics), or coverage, is one number per version:
it keeps the point comparison, and the reason says so.

The bootstrap is plain Python (random, math): the gate runs in the Pulumi
program's provider process, which installs only requirements.txt, where
numpy is not (nor scipy, nor ranx, which needs numba, pandas and scipy)."""

import math
import random
from collections.abc import Sequence
from dataclasses import asdict, dataclass

PENDING, INITIAL, SERVING, PROMOTE, REJECT, INCONCLUSIVE = (
    "pending",
    "initial",
    "serving",
    "promote",
    "reject",
    "inconclusive",
)
DECISIONS = (PENDING, INITIAL, SERVING, PROMOTE, REJECT, INCONCLUSIVE)
ON_REJECT = ("warn", "fail")
DEFAULT_METRIC = "normalized_discounted_cumulative_gain_at_10"
# The paired test's settings (stacks/config.py's Promotion bounds them).
DEFAULT_CONFIDENCE, DEFAULT_MIN_USERS, DEFAULT_RESAMPLES = 0.95, 50, 2000
PAIRED, POINT = "paired bootstrap", "point comparison"
# Fixed: the same scores give the same interval on every run and machine.
SEED = 17


@dataclass(frozen=True)
class Evidence:
    """What a decision rests on. For a paired comparison: the mean of the per-user
    differences, its confidence interval [low, high], the one-sided p-value of "the
    challenger is no more than min_improvement better" and the number of users."""

    method: str  # PAIRED or POINT
    difference: float | None  # challenger minus champion (the mean over users, when paired)
    users: int | None = None
    low: float | None = None
    high: float | None = None
    p_value: float | None = None
    confidence: float | None = None
    resamples: int | None = None

    def record(self) -> dict[str, float | int | str]:
        """For outputs and the history: camelCase, without what does not apply."""
        names = {"p_value": "pValue"}
        return {names.get(k, k): v for k, v in asdict(self).items() if v is not None}


@dataclass(frozen=True)
class Decision:
    decision: str  # initial, serving, promote, reject, inconclusive
    reason: str
    served: str  # the version the campaign serves after the decision
    evidence: Evidence | None = None

    @property
    def contested(self) -> bool:
        return self.decision in (PROMOTE, REJECT, INCONCLUSIVE)


def paired_differences(challenger: Sequence[float], champion: Sequence[float]) -> list[float]:
    """Each user's challenger score minus champion score; both lists in the same user order."""
    if len(challenger) != len(champion):
        raise ValueError(
            f"paired scores need the same users: the challenger has {len(challenger)}, the champion {len(champion)}"
        )
    return [new - old for new, old in zip(challenger, champion, strict=True)]


def paired_bootstrap(
    differences: Sequence[float],
    *,
    confidence: float = DEFAULT_CONFIDENCE,
    resamples: int = DEFAULT_RESAMPLES,
    min_improvement: float = 0.0,
    seed: int = SEED,
) -> Evidence:
    """The percentile bootstrap interval of the mean difference at `confidence`
    (two-sided), from `resamples` resamples of the users with replacement, and the
    one-sided p-value of H0 "mean difference <= min_improvement": the share of
    resampled means at least as far above the observed mean as the observed mean is
    above min_improvement (the null shifted to min_improvement), counted with +1 so
    that it is never 0."""
    n = len(differences)
    if n < 1:
        raise ValueError("a paired bootstrap needs at least one user")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")
    if resamples < 1:
        raise ValueError(f"resamples must be at least 1, got {resamples}")
    mean = math.fsum(differences) / n
    rng = random.Random(seed)
    values = list(differences)
    means = sorted(sum(rng.choices(values, k=n)) / n for _ in range(resamples))
    tail = (1 - confidence) / 2
    low, high = _quantile(means, tail), _quantile(means, 1 - tail)
    beyond = sum(1 for m in means if m - mean >= mean - min_improvement)
    return Evidence(
        PAIRED,
        mean,
        users=n,
        low=low,
        high=high,
        p_value=(beyond + 1) / (resamples + 1),
        confidence=confidence,
        resamples=resamples,
    )


def _quantile(ordered: list[float], q: float) -> float:
    """Linear interpolation between order statistics (numpy's default, "linear")."""
    position = q * (len(ordered) - 1)
    below = math.floor(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)


def decide(
    challenger: str,
    champion: str | None,
    metric: str,
    min_improvement: float,
    scores: dict[str, dict[str, float]],
    per_user: dict[str, dict[str, list[float]]] | None = None,
    *,
    confidence: float = DEFAULT_CONFIDENCE,
    min_users: int = DEFAULT_MIN_USERS,
    resamples: int = DEFAULT_RESAMPLES,
) -> Decision:
    """`scores` holds each version's metrics by ARN (both, when there is a contest);
    `per_user`, each version's per-user values of the `validation.*` ranking metrics,
    in the same user order for both."""
    if champion is None:
        return Decision(INITIAL, "no model served yet", challenger)
    if champion == challenger:
        return Decision(SERVING, "the campaign already serves it", challenger)
    new, old = scores[challenger].get(metric), scores[champion].get(metric)
    pairs = [(per_user or {}).get(arn, {}).get(metric) for arn in (challenger, champion)]
    if pairs[0] is None or pairs[1] is None:
        return _point(challenger, champion, metric, min_improvement, new, old)
    evidence = paired_bootstrap(
        paired_differences(pairs[0], pairs[1]),
        confidence=confidence,
        resamples=resamples,
        min_improvement=min_improvement,
    )
    assert evidence.low is not None and evidence.high is not None
    scored = (
        f"{metric}: challenger {new} vs champion {old} on {evidence.users} users, paired difference "
        f"{evidence.difference:+.4f}, {confidence:.0%} interval [{evidence.low:+.4f}, {evidence.high:+.4f}], "
        f"p = {evidence.p_value:.4f} (paired bootstrap, {resamples} resamples); "
    )
    required = f"{min_improvement:+.4f}"
    if evidence.users is not None and evidence.users < min_users:
        decision, why = INCONCLUSIVE, f"fewer users than minUsers {min_users}: the champion keeps serving"
    elif evidence.low > min_improvement:
        decision, why = PROMOTE, f"the whole interval is above {required}"
    elif evidence.high <= min_improvement:
        decision, why = REJECT, f"the whole interval is at or below {required}"
    else:
        decision, why = INCONCLUSIVE, f"the interval straddles {required}: the champion keeps serving"
    return Decision(decision, scored + why, challenger if decision == PROMOTE else champion, evidence)


def _point(
    challenger: str, champion: str, metric: str, min_improvement: float, new: float | None, old: float | None
) -> Decision:
    """One number per version: promoted if it gains at least min_improvement."""
    gain = (new or 0.0) - (old or 0.0)
    promote = new is not None and gain >= min_improvement
    reason = (
        f"{metric}: challenger {new} vs champion {old} ({gain:+.4f}; at least {min_improvement:+.4f} required; "
        f"{POINT}: the metric has no per-user scores)"
    )
    return Decision(PROMOTE if promote else REJECT, reason, challenger if promote else champion, Evidence(POINT, gain))
