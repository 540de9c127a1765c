"""Each campaign's promotion history (s3://<bucket>/promotions/<campaign>.jsonl,
one decision a line, appended by the gate) as a chart: the champion's and the
challenger's metric at every decision over time, each decision marked by kind."""

import json
from datetime import datetime, timedelta
from typing import Any

from evaluation.gate import INCONCLUSIVE, INITIAL, PROMOTE, REJECT, SERVING

# How each decision is marked: (marker, colour).
MARKERS = {
    PROMOTE: ("^", "tab:green"),
    REJECT: ("v", "tab:red"),
    INCONCLUSIVE: ("o", "tab:orange"),
    INITIAL: ("s", "tab:blue"),
    SERVING: ("D", "tab:gray"),
}
UNKNOWN_MARKER = ("x", "black")


def read_histories(outputs: dict, s3: Any) -> dict[str, list[dict]]:
    """Each experiment's decisions, oldest first, from the history its promotion
    output names (an experiment whose gate has no history bucket has none)."""
    found: dict[str, list[dict]] = {}
    for name, promotion in sorted((outputs.get("promotions") or {}).items()):
        uri = (promotion or {}).get("history") or ""
        if not uri.startswith("s3://"):
            continue
        bucket, _, key = uri[len("s3://") :].partition("/")
        try:
            body = s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8")
        except s3.exceptions.NoSuchKey:
            found[name] = []
            continue
        found[name] = parse(body, uri)
    return found


def parse(text: str, source: str) -> list[dict]:
    records = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as error:
            raise ValueError(f"{source} line {number} is not JSON: {error}") from None
    return records


def series(records: list[dict]) -> dict[str, list]:
    """What the chart plots, by role: times, and the champion's and the
    challenger's value of the record's metric (None where a side has none)."""
    times, champion, challenger, decisions = [], [], [], []
    for record in sorted(records, key=lambda r: _time(r.get("decidedAt"))):
        metric = record.get("metric")
        times.append(_time(record.get("decidedAt")))
        champion.append(_value((record.get("championMetrics") or {}).get(metric)))
        challenger.append(_value((record.get("challengerMetrics") or {}).get(metric)))
        decisions.append(record.get("decision"))
    return {"times": times, "champion": champion, "challenger": challenger, "decisions": decisions}


def draw(histories: dict[str, list[dict]]):
    """One panel per campaign; returns the matplotlib Figure."""
    import matplotlib

    matplotlib.use("Agg")  # no display: reports are written on servers and in CI
    import matplotlib.pyplot as plt
    from matplotlib import dates

    names = sorted(histories) or ["(no promotion history)"]
    figure, axes = plt.subplots(len(names), 1, figsize=(9, 3.2 * len(names)), squeeze=False)
    for axis, name in zip(axes[:, 0], names):
        records = histories.get(name) or []
        metrics = sorted({str(r.get("metric")) for r in records if r.get("metric")})
        axis.set_title(
            f"{name}: {len(records)} decision{'' if len(records) == 1 else 's'}"
            + (f" by {', '.join(metrics)}" if metrics else ""),
            loc="left",
        )
        if not records:
            axis.text(0.5, 0.5, "no decisions yet", ha="center", va="center", transform=axis.transAxes)
            axis.set_axis_off()
            continue
        drawn = series(records)
        times = drawn["times"]
        for side, style in (("champion", "--"), ("challenger", "-")):
            values = [float("nan") if v is None else v for v in drawn[side]]
            axis.plot(times, values, style, color="0.5" if side == "champion" else "tab:purple", label=side)
        for kind in sorted(set(drawn["decisions"]), key=str):
            marker, colour = MARKERS.get(kind, UNKNOWN_MARKER)
            at = [i for i, d in enumerate(drawn["decisions"]) if d == kind]
            # At the challenger's value: the model the decision was about.
            ys = [drawn["challenger"][i] if drawn["challenger"][i] is not None else 0.0 for i in at]
            axis.scatter([times[i] for i in at], ys, marker=marker, color=colour, s=60, zorder=3, label=str(kind))
        values = [v for side in ("champion", "challenger") for v in drawn[side] if v is not None]
        axis.set_ylim(0, min(1.0, max(values, default=0.0) * 1.2 + 0.01))
        axis.set_ylabel(metrics[0] if len(metrics) == 1 else "metric")
        axis.legend(loc="lower right", fontsize="small", ncol=3)
        # Each panel its own time axis, labelled (figure.autofmt_xdate would label the bottom one only).
        locator = dates.AutoDateLocator()
        axis.xaxis.set_major_locator(locator)
        axis.xaxis.set_major_formatter(dates.ConciseDateFormatter(locator))
        if len(set(times)) == 1:
            axis.set_xlim(times[0] - timedelta(hours=12), times[0] + timedelta(hours=12))
    figure.tight_layout()
    return figure


def write(path: str, histories: dict[str, list[dict]]) -> None:
    import matplotlib.pyplot as plt

    figure = draw(histories)
    figure.savefig(path, format="png")
    plt.close(figure)


def _time(value: Any) -> datetime:
    text = str(value or "")
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"a promotion history record has decidedAt {value!r}: an ISO 8601 time is required") from None


def _value(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
