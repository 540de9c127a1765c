"""The leaderboard with intervals: every experiment of a dataset group scored on
the same held-out users, each with a bootstrap confidence interval of its mean
per-user score and, against the group's best, the paired interval of the
difference, user by user.

The per-user scores are those validation scoring keeps in S3 for every version
it scores (common.layout.evaluation_scores_key), or for a version scored before
they were kept, recomputed from its evaluation's batch output (no job is run):
the stack's outputs hold means only. The intervals are the gate's bootstrap (evaluation.gate.paired_bootstrap):
the interval of a mean of per-user values, be they one model's scores or two
models' differences."""

from dataclasses import dataclass, replace
from typing import Any

from common.statuses import VALIDATION_PREFIX
from evaluation.gate import DEFAULT_CONFIDENCE, DEFAULT_RESAMPLES, paired_bootstrap, paired_differences
from evaluation.report import SERVED_BY_RECOMMENDER, _deciding_metric, group_members, served_metrics
from evaluation.validation import kept_scores

MISSING = "-"


@dataclass(frozen=True)
class Scored:
    """One version's per-user scores, as validation scoring kept them."""

    version_arn: str
    users: list[str]
    per_user: dict[str, list[float]]


@dataclass(frozen=True)
class Row:
    experiment: str
    why_not: str | None = None  # why there is no interval (no per-user scores, ...)
    mean: float | None = None
    low: float | None = None
    high: float | None = None
    users: int | None = None
    # Against the group's best, paired on the same users: this minus the best.
    difference: float | None = None
    difference_low: float | None = None
    difference_high: float | None = None
    best: bool = False


@dataclass(frozen=True)
class Board:
    group: str
    metric: str
    confidence: float
    rows: list[Row]


def served_version(outputs: dict, name: str) -> str | None:
    experiment = (outputs.get("experiments") or {}).get(name) or {}
    promotion = (outputs.get("promotions") or {}).get(name) or {}
    return promotion.get("servedVersionArn") or experiment.get("servedVersionArn") or None


def dataset_version(outputs: dict, name: str, group: str) -> str | None:
    experiment = (outputs.get("experiments") or {}).get(name) or {}
    groups = outputs.get("datasetGroups")
    found = (groups.get(group) or {}) if isinstance(groups, dict) else {}
    return experiment.get("datasetVersion") or found.get("datasetVersion") or None


def read_scores(outputs: dict, s3: Any) -> dict[str, Scored]:
    """The per-user scores of the version each campaign experiment serves, by
    experiment: those validation scoring kept or, for a version scored before
    they were kept, recomputed from its evaluation's batch output (none for a
    recommender, nor where neither is in the bucket)."""
    found: dict[str, Scored] = {}
    bucket = outputs.get("bucket")
    if not bucket:
        return found
    for group, names in group_members(outputs).items():
        for name in names:
            experiment = (outputs.get("experiments") or {}).get(name) or {}
            served, version = served_version(outputs, name), dataset_version(outputs, name, group)
            if experiment.get("servedBy") == SERVED_BY_RECOMMENDER or not served or not version:
                continue
            counted = served_metrics(outputs, name).get(f"{VALIDATION_PREFIX}users")
            kept = kept_scores(
                s3,
                bucket,
                version,
                served,
                users=counted if isinstance(counted, int) and not isinstance(counted, bool) else None,
                event_type=experiment.get("eventType"),
            )
            if kept:
                found[name] = Scored(served, list(kept["users"]), dict(kept["perUser"]))
    return found


def board(
    outputs: dict,
    group: str,
    names: list[str],
    scores: dict[str, Scored],
    *,
    confidence: float = DEFAULT_CONFIDENCE,
    resamples: int = DEFAULT_RESAMPLES,
) -> Board:
    """Best first by the mean of the deciding validation metric; experiments
    without per-user scores last, saying why."""
    metric = _deciding_metric(outputs, names)
    if not metric.startswith(VALIDATION_PREFIX):
        metric = _validation_metric(scores, names) or metric
    scored: dict[str, list[float]] = {}
    rows: dict[str, Row] = {}
    for name in names:
        values = scores[name].per_user.get(metric) if name in scores else None
        if not values:
            why = (
                "served by a recommender: no per-user scores"
                if ((outputs.get("experiments") or {}).get(name) or {}).get("servedBy") == SERVED_BY_RECOMMENDER
                else f"no per-user {metric} kept for its served version"
            )
            rows[name] = Row(name, why)
            continue
        scored[name] = values
        interval = paired_bootstrap(values, confidence=confidence, resamples=resamples)
        rows[name] = Row(name, None, interval.difference, interval.low, interval.high, interval.users)
    ranked = sorted(scored, key=lambda n: (-(rows[n].mean or 0.0), n))
    if ranked:
        best = ranked[0]
        rows[best] = _replace(rows[best], best=True)
        for name in ranked[1:]:
            if scores[name].users != scores[best].users:
                rows[name] = _replace(rows[name], why_not=f"not scored on the same users as {best}: no paired interval")
                continue
            gap = paired_bootstrap(
                paired_differences(scored[name], scored[best]), confidence=confidence, resamples=resamples
            )
            rows[name] = _replace(
                rows[name], difference=gap.difference, difference_low=gap.low, difference_high=gap.high
            )
    unscored = sorted(n for n in names if n not in scored)
    return Board(group, metric, confidence, [rows[n] for n in ranked + unscored])


def boards(outputs: dict, scores: dict[str, Scored], **settings: Any) -> list[Board]:
    """A board for each dataset group with more than one experiment."""
    return [
        board(outputs, g, names, scores, **settings) for g, names in group_members(outputs).items() if len(names) > 1
    ]


def render(found: list[Board]) -> str:
    return "\n\n".join(_render(b) for b in found)


def _render(b: Board) -> str:
    level = f"{b.confidence:.0%}"
    header = ("experiment", b.metric, f"{level} interval", "users", "vs best (paired)", f"{level} interval")
    rows = [
        (
            row.experiment,
            _number(row.mean),
            _interval(row.low, row.high),
            MISSING if row.users is None else str(row.users),
            "best" if row.best else _number(row.difference, signed=True),
            "" if row.best else _interval(row.difference_low, row.difference_high, signed=True),
        )
        for row in b.rows
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells, marker=" "):
        return (
            f"{marker} " + " | ".join([cells[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(cells[1:], widths[1:])])
        ).rstrip(" |")

    body = [line(cells, "*" if row.best else " ") for row, cells in zip(b.rows, rows)]
    notes = [f"  {row.experiment}: {row.why_not}" for row in b.rows if row.why_not]
    ahead = [row for row in b.rows if row.difference_high is not None and row.difference_high < 0]
    tied = [row for row in b.rows if row.difference_high is not None and row.difference_high >= 0]
    best = next((row.experiment for row in b.rows if row.best), None)
    if best and (ahead or tied):
        verdict = f"  {best} is best"
        if ahead:
            verdict += f"; clearly ahead of {', '.join(r.experiment for r in ahead)} (the paired interval is below 0)"
        if tied:
            verdict += f"; not distinguishable from {', '.join(r.experiment for r in tied)} (the interval reaches 0)"
        notes.insert(0, verdict)
    heading = f"dataset group {b.group}: {b.metric} per user, bootstrap {level} intervals"
    ruler = "  " + "-+-".join("-" * w for w in widths)
    return "\n".join([heading, line(header), ruler, *body, *notes])


def draw(found: list[Board]):
    """One panel per group: each experiment's mean with its interval as error
    bars, on a score axis from 0 to at most 1. Returns the matplotlib Figure."""
    import matplotlib

    matplotlib.use("Agg")  # no display: reports are written on servers and in CI
    import matplotlib.pyplot as plt

    found = found or [Board("(no dataset group with several experiments)", "", DEFAULT_CONFIDENCE, [])]
    heights = [max(1.6, 0.5 * len(b.rows) + 1.1) for b in found]
    figure, axes = plt.subplots(
        len(found), 1, figsize=(9, sum(heights)), squeeze=False, gridspec_kw={"height_ratios": heights}
    )
    for axis, b in zip(axes[:, 0], found):
        drawn = [row for row in b.rows if row.mean is not None]
        axis.set_title(f"{b.group}: {b.metric}, {b.confidence:.0%} bootstrap intervals", loc="left")
        if not drawn:
            axis.text(0.5, 0.5, "no per-user scores yet", ha="center", va="center", transform=axis.transAxes)
            axis.set_axis_off()
            continue
        means = [row.mean or 0.0 for row in drawn]
        below = [(row.mean or 0.0) - (row.low or 0.0) for row in drawn]
        above = [(row.high or 0.0) - (row.mean or 0.0) for row in drawn]
        colours = ["tab:green" if row.best else "tab:blue" for row in drawn]
        axis.barh(range(len(drawn)), means, xerr=[below, above], color=colours, capsize=4, height=0.6)
        axis.set_yticks(range(len(drawn)), [_label(row) for row in drawn])
        axis.invert_yaxis()  # best on top, as in the table
        top = max(row.high or 0.0 for row in drawn)
        axis.set_xlim(0, min(1.0, top * 1.15 + 0.01))
        axis.set_xlabel(f"mean {b.metric} per user ({drawn[0].users} users)")
    figure.tight_layout()
    return figure


def write(path: str, found: list[Board]) -> None:
    import matplotlib.pyplot as plt

    figure = draw(found)
    figure.savefig(path, format="png")
    plt.close(figure)


def _label(row: Row) -> str:
    if row.best:
        return f"{row.experiment} (best)"
    if row.difference is None:
        return row.experiment
    return f"{row.experiment}\n{row.difference:+.4f} [{row.difference_low:+.4f}, {row.difference_high:+.4f}]"


def _validation_metric(scores: dict[str, Scored], names: list[str]) -> str | None:
    """A group whose gates decide on a service metric: rank by validation NDCG@10 if kept."""
    wanted = f"{VALIDATION_PREFIX}ndcg_at_10"
    return wanted if any(wanted in scores[n].per_user for n in names if n in scores) else None


def _replace(row: Row, **changes: Any) -> Row:
    return replace(row, **changes)


def _number(value: float | None, signed: bool = False) -> str:
    if value is None:
        return MISSING
    return f"{value:+.4f}" if signed else f"{value:.4f}"


def _interval(low: float | None, high: float | None, signed: bool = False) -> str:
    if low is None or high is None:
        return MISSING
    return f"[{_number(low, signed)}, {_number(high, signed)}]"
