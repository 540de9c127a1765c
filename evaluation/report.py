"""Champion against challenger, per experiment: a text table and a bar chart of
the `promotions` stack output."""

from numbers import Number

from common.statuses import VALIDATION_PREFIX

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
    return "\n\n".join(sections) + "\n"


def write_chart(path, experiments: dict[str, dict]) -> None:
    """One panel per experiment: champion and challenger bars side by side per metric."""
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
    figure.savefig(path, format="png")
    plt.close(figure)


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
