"""What a person reads after a run: the report printed, and an optional HTML
page with charts (interactions per day, interactions per user, item popularity)."""

import base64
import html
import io
from pathlib import Path

import polars as pl


def text_report(manifest: dict) -> str:
    lines = [
        f"dataset {manifest['dataset']} version {manifest['version']}"
        + (" (already exported, unchanged)" if manifest.get("unchanged") else "")
    ]
    width = max(len(s["step"]) for s in manifest["steps"])
    lines.append(f"  {'step':<{width}}  {'rows in':>12}  {'rows out':>12}")
    for s in manifest["steps"]:
        detail = f"  ({s['detail']})" if s.get("detail") else ""
        lines.append(f"  {s['step']:<{width}}  {s['rows_in']:>12,}  {s['rows_out']:>12,}{detail}")
    for part in ("training", "validation"):
        summary = manifest[part]
        span = f", {summary['from'][:10]} to {summary['to'][:10]}" if summary.get("from") else ""
        lines.append(
            f"  {part}: {summary['rows']:,} interactions, {summary['users']:,} users, {summary['items']:,} items{span}"
        )
    if "files" in manifest:
        lines.append(f"  exported to {manifest.get('location', '?')}: {', '.join(manifest['files'])}")
    return "\n".join(lines)


def _png(figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode()


def write_summary(manifest: dict, training_csv: Path, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

    frame = pl.read_csv(
        training_csv,
        columns=["USER_ID", "ITEM_ID", "TIMESTAMP"],
        schema_overrides={"USER_ID": pl.Utf8, "ITEM_ID": pl.Utf8},
    )
    per_day = frame.group_by((pl.col("TIMESTAMP") // 86400).alias("day")).len().sort("day")
    per_user = frame.group_by("USER_ID").len()["len"]
    popularity = frame.group_by("ITEM_ID").len().sort("len", descending=True)["len"]

    charts = []
    fig, ax = plt.subplots(figsize=(8, 3))
    ax.plot(pl.from_epoch(per_day["day"] * 86400, time_unit="s").to_list(), per_day["len"].to_list())
    ax.set_title("interactions per day")
    charts.append(_png(fig))
    fig, ax = plt.subplots(figsize=(8, 3))
    ax.hist(per_user.to_list(), bins=50, log=True)
    ax.set_title("interactions per user")
    charts.append(_png(fig))
    fig, ax = plt.subplots(figsize=(8, 3))
    ax.loglog(range(1, len(popularity) + 1), popularity.to_list())
    ax.set_title("item popularity (rank vs interactions)")
    ax.set_xlabel("item rank")
    charts.append(_png(fig))
    plt.close("all")

    images = "".join(f'<img src="data:image/png;base64,{c}" alt="chart">' for c in charts)
    path.write_text(
        f"<!doctype html><meta charset=utf-8><title>{html.escape(manifest['dataset'])} "
        f"{html.escape(manifest['version'])}</title><pre>{html.escape(text_report(manifest))}</pre>{images}"
    )
