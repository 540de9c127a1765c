"""Champion against challenger, per experiment: a text table and a bar chart of
the `promotions` stack output; and per dataset group with several
experiments, a leaderboard of the models they serve."""

from numbers import Number

from common.statuses import VALIDATION_PREFIX
from evaluation.gate import DEFAULT_METRIC

MISSING = "-"
HEADER = ("metric", "champion", "challenger", "change")
# A count of users, not a score in [0, 1]: it would flatten every bar beside it.
# The gate names it validation.users (common.statuses.VALIDATION_PREFIX).
NOT_CHARTED = {"users", f"{VALIDATION_PREFIX}users"}


def comparison_table(champion: dict | None, challenger: dict | None, metric: str | None = None) -> str:
    champion, challenger = champion or {}, challenger or {}
    names = sorted(set(champion) | set(challenger) | ({metric} if metric else set()))
    rows = [HEADER] + [
        (
            name,
            _cell(champion.get(name)),
            _cell(challenger.get(name)),
            _change(champion.get(name), challenger.get(name)),
        )
        for name in names
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADER))]

    def line(row, marker=" "):
        cells = [row[0].ljust(widths[0])] + [cell.rjust(width) for cell, width in zip(row[1:], widths[1:])]
        return f"{marker} " + " | ".join(cells)

    ruler = "  " + "-+-".join("-" * width for width in widths)
    body = [line(row, "*" if row[0] == metric else " ") for row in rows[1:]]
    return "\n".join([line(rows[0]), ruler, *body])


def render(outputs: dict) -> str:
    """The report for `pulumi stack output --json`: each experiment's decision and table."""
    sections = []
    for name, promotion in sorted(outputs["promotions"].items()):
        heading = f"{name}: {promotion.get('decision', MISSING)} — {promotion.get('reason') or MISSING}"
        table = comparison_table(
            promotion.get("championMetrics"), promotion.get("challengerMetrics"), promotion.get("metric")
        )
        sections.append(f"{heading}\n{table}")
    boards = render_leaderboards(outputs)
    return "\n\n".join(sections + ([boards] if boards else [])) + "\n"


def write_chart(path, experiments: dict[str, dict]) -> None:
    import matplotlib.pyplot as plt

    figure = draw_chart(experiments)
    figure.savefig(path, format="png")
    plt.close(figure)


def draw_chart(experiments: dict[str, dict]):
    """One panel per experiment: champion and challenger bars side by side per
    metric (scores only, never a count). Returns the matplotlib Figure."""
    import matplotlib

    matplotlib.use("Agg")  # no display: reports are written on servers and in CI
    import matplotlib.pyplot as plt

    names = sorted(experiments) or ["(no experiments)"]
    charted = {name: _chartable(experiments.get(name) or {}) for name in names}
    heights = [max(1.5, 0.45 * len(metrics) + 1) for metrics in charted.values()]
    figure, axes = plt.subplots(
        len(names), 1, figsize=(9, sum(heights)), squeeze=False, gridspec_kw={"height_ratios": heights}
    )
    for axis, name in zip(axes[:, 0], names):
        metrics = charted[name]
        axis.set_title(f"{name}: {(experiments.get(name) or {}).get('decision', MISSING)}", loc="left")
        if not metrics:
            axis.text(0.5, 0.5, "no metrics yet", ha="center", va="center", transform=axis.transAxes)
            axis.set_axis_off()
            continue
        positions = range(len(metrics))
        for offset, side in ((-0.2, "champion"), (0.2, "challenger")):
            axis.barh(
                [p + offset for p in positions], [values[side] for values in metrics.values()], height=0.4, label=side
            )
        axis.set_yticks(list(positions), list(metrics))
        axis.invert_yaxis()  # first metric on top, as in the table
        axis.legend(loc="lower right", fontsize="small")
    figure.tight_layout()
    return figure


def _chartable(promotion: dict) -> dict[str, dict[str, float]]:
    sides = {"champion": promotion.get("championMetrics") or {}, "challenger": promotion.get("challengerMetrics") or {}}
    names = sorted(n for n in set(sides["champion"]) | set(sides["challenger"]) if n not in NOT_CHARTED)
    # A side without the metric draws no bar rather than a misleading zero.
    return {
        n: {side: _number(values.get(n)) for side, values in sides.items()}
        for n in names
        if any(_is_number(values.get(n)) for values in sides.values())
    }


def _is_number(value) -> bool:
    return isinstance(value, Number) and not isinstance(value, bool)


def _number(value) -> float:
    return float(value) if _is_number(value) else float("nan")


def _cell(value) -> str:
    if value is None:
        return MISSING
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)


def _change(before, after) -> str:
    if not (_is_number(before) and _is_number(after)):
        return MISSING
    delta = after - before
    text = f"{delta:+.4f}" if isinstance(delta, float) else f"{delta:+d}"
    return f"{text} ({delta / before:+.1%})" if before else text


# --- leaderboards: every experiment of a dataset group, side by side ---------

SERVED_BY_CAMPAIGN, SERVED_BY_RECOMMENDER = "campaign", "recommender"
NOT_RANKED = NOT_CHARTED  # counts, not scores: shown, never "best"


def group_members(outputs: dict) -> dict[str, list[str]]:
    """Each dataset group's experiments: those the `datasetGroups` output lists and
    those whose `datasetGroup` names it. An experiment of an earlier release has no
    group: it is in one of its own name, alone."""
    members: dict[str, list[str]] = {}
    found_groups = outputs.get("datasetGroups")
    groups: dict = found_groups if isinstance(found_groups, dict) else {}
    for group, found in sorted(groups.items()):
        members[group] = list((found or {}).get("experiments") or [])
    for name, experiment in sorted((outputs.get("experiments") or {}).items()):
        group = (experiment or {}).get("datasetGroup") or name
        if name not in members.setdefault(group, []):
            members[group].append(name)
    return members


def served_metrics(outputs: dict, name: str) -> dict:
    """The metrics of the model experiment `name` serves: a recommender's modelMetrics,
    or for a campaign the gate's scores (validation.* and the service's) of the
    version the promotion left served: the challenger's if it won or is the first,
    the champion's if it was kept."""
    experiment = (outputs.get("experiments") or {}).get(name) or {}
    if experiment.get("servedBy") == SERVED_BY_RECOMMENDER:
        return dict(experiment.get("metrics") or {})
    promotion = (outputs.get("promotions") or {}).get(name) or {}
    served = promotion.get("servedVersionArn") or experiment.get("servedVersionArn")
    for side in ("challenger", "champion"):
        if served and promotion.get(f"{side}Arn") == served and promotion.get(f"{side}Metrics"):
            return dict(promotion[f"{side}Metrics"])
    # No score of the served version in the gate's record (e.g. a pending decision):
    # the training's own metrics, only if they are of the served version.
    if served and experiment.get("solutionVersionArn") == served:
        return dict(experiment.get("metrics") or {})
    return {}


def leaderboard(outputs: dict, group: str, names: list[str]) -> str:
    """One row per experiment of `group`, best first by the gate's metric, with
    the metrics at least two of them have; the best value of each column marked."""
    experiments = outputs.get("experiments") or {}
    metrics = {name: served_metrics(outputs, name) for name in names}
    deciding = _deciding_metric(outputs, names)
    counts: dict[str, int] = {}
    for values in metrics.values():
        for metric, value in values.items():
            if _is_number(value):
                counts[metric] = counts.get(metric, 0) + 1
    shared = {m for m, count in counts.items() if count >= 2}
    columns = [deciding] + sorted(shared - {deciding}, key=lambda m: (not m.startswith(VALIDATION_PREFIX), m))
    best = {
        column: max(found)
        for column in columns
        if column not in NOT_RANKED
        and (found := [values[column] for values in metrics.values() if _is_number(values.get(column))])
    }

    def rank(name: str):
        value = metrics[name].get(deciding)
        return (0, -_number(value), name) if _is_number(value) else (1, 0.0, name)

    ordered = sorted(names, key=rank)
    header = ("experiment", "served by", *columns)
    rows = [
        (
            name,
            (experiments.get(name) or {}).get("servedBy") or SERVED_BY_CAMPAIGN,
            *(_ranked_cell(metrics[name].get(c), best.get(c)) for c in columns),
        )
        for name in ordered
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(row, marker=" "):
        cells = [row[0].ljust(widths[0]), row[1].ljust(widths[1])] + [
            cell.rjust(width) for cell, width in zip(row[2:], widths[2:])
        ]
        return (f"{marker} " + " | ".join(cells)).rstrip()

    top = best.get(deciding)
    body = [
        line(row, "*" if top is not None and metrics[name].get(deciding) == top else " ")
        for name, row in zip(ordered, rows)
    ]
    ruler = "  " + "-+-".join("-" * width for width in widths)
    group_outputs = (outputs.get("datasetGroups") or {}).get(group) or {}
    about = ", ".join(
        part for part in (group_outputs.get("domain"), _versions(experiments, names, group_outputs)) if part
    )
    heading = f"dataset group {group}" + (f" ({about})" if about else "") + f": {len(names)} experiments by {deciding}"
    return "\n".join([heading, line(header), ruler, *body, *_notes(metrics, columns, experiments, names)])


def render_leaderboards(outputs: dict) -> str:
    """A leaderboard for each dataset group with more than one experiment; "" if none has."""
    boards = [leaderboard(outputs, group, names) for group, names in group_members(outputs).items() if len(names) > 1]
    return "\n\n".join(boards)


def _deciding_metric(outputs: dict, names: list[str]) -> str:
    """The metric the gates of these experiments decide by (the stack's promotion
    metric), else the gate's default, which recommenders' modelMetrics have too."""
    promotions = outputs.get("promotions") or {}
    used: list[str] = [
        metric for name in names if isinstance(metric := (promotions.get(name) or {}).get("metric"), str) and metric
    ]
    return max(sorted(set(used)), key=used.count) if used else DEFAULT_METRIC


def _versions(experiments: dict, names: list[str], group: dict) -> str:
    versions = sorted(
        {(experiments.get(n) or {}).get("datasetVersion") or group.get("datasetVersion") or "?" for n in names}
    )
    return f"dataset version{'s' if len(versions) > 1 else ''} {', '.join(versions)}"


def _notes(metrics: dict, columns: list[str], experiments: dict, names: list[str]) -> list[str]:
    """What the columns are measured on, and where experiments are not on the same users."""
    notes = []
    held_out = [c for c in columns if c.startswith(VALIDATION_PREFIX)]
    if held_out:
        users = {
            values.get(f"{VALIDATION_PREFIX}users") for values in metrics.values() if any(c in values for c in held_out)
        }
        versions = {(experiments.get(n) or {}).get("datasetVersion") for n in names}
        if len(users) > 1 or len(versions) > 1:
            notes.append(
                f"  ! {VALIDATION_PREFIX}* of these experiments are NOT on the same users: "
                f"{VALIDATION_PREFIX}users {', '.join(str(u) for u in sorted(users, key=str))}, "
                f"dataset versions {', '.join(sorted(str(v) for v in versions))}"
            )
        else:
            notes.append(
                f"  {VALIDATION_PREFIX}*: the gate's {users.pop()} held-out users of the dataset version, "
                f"the same for every experiment of one event type"
            )
    if any(not c.startswith(VALIDATION_PREFIX) for c in columns):
        notes.append("  other metrics: the service's (each model on its own split of the training data)")
    if any(not values for values in metrics.values()):
        unscored = ", ".join(n for n in names if not metrics[n])
        notes.append(f"  no metrics yet for {unscored}")
    return notes


def _ranked_cell(value, best) -> str:
    return _cell(value) + (" *" if best is not None and _is_number(value) and value == best else "  ")
