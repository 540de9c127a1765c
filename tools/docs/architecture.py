"""Draws docs/img/architecture.png, the architecture diagram of docs/concepts.md.

    .venv/bin/python tools/docs/architecture.py [--output PATH]

Boxes and arrows only (matplotlib, already a dependency of the reports): edit
the tables below and rerun it, then look at the picture before committing it."""

import argparse
from pathlib import Path

import matplotlib.pyplot as plt
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

OUTPUT = Path(__file__).resolve().parents[2] / "docs" / "img" / "architecture.png"

# name: (x, y, width, height, title, detail, colour); the canvas is 16 x 9.
BOXES = {
    "raw": (0.3, 6.6, 3.0, 1.5, "Raw exports", "CSV, Parquet, JSON lines,\nSQL (datasets/<name>.yaml)", "#f2f2f2"),
    "prep": (0.3, 4.3, 3.0, 1.5, "python -m prep", "validate, hold out the\nnewest days, export a version", "#fde9c9"),
    "bucket": (
        0.3,
        1.0,
        3.0,
        2.4,
        "S3 data bucket",
        "datasets/<version>/ (manifest,\nschemas, CSVs), batch-input/,\nbatch-output/, evaluations/,\npromotions/",
        "#fde9c9",
    ),
    "datastack": (0.3, -0.1, 3.0, 0.85, "data-stack/", "bucket, KMS key, role", "#e4e4f7"),
    "config": (
        4.3,
        6.6,
        3.2,
        1.5,
        "Pulumi.<stack>.yaml",
        "experiments, dataset groups,\ngate policy (personalize:)",
        "#f2f2f2",
    ),
    "engine": (
        4.3,
        4.0,
        3.2,
        1.9,
        "pulumi preview / up",
        "the program: stacks/ (config\nchecked at preview), providers/\n(dynamic), service/ (boto3)",
        "#dbeafc",
    ),
    "ci": (
        4.3,
        1.75,
        3.2,
        1.6,
        "GitHub workflows",
        "preview on pull requests,\ndeploy on merge, retrain\n(daily or on dispatch)",
        "#f2f2f2",
    ),
    "personalize": (
        9.0,
        1.0,
        3.8,
        7.1,
        "Amazon Personalize",
        "dataset group\n  schemas, datasets\n  import jobs (one per version)\n  event tracker, filters\n\n"
        "per experiment\n  solution\n  solution version (training)\n  promotion gate\n"
        "  campaign, or recommender\n  batch inference jobs",
        "#d9f2dd",
    ),
    "serving": (13.5, 5.3, 2.5, 1.9, "python -m serving", "recommend, put-events,\nbatch", "#fde9c9"),
    "evaluation": (13.5, 2.6, 2.5, 1.9, "python -m\nevaluation", "report, status", "#fde9c9"),
    "app": (13.5, 0.2, 2.5, 1.5, "Your application", "GetRecommendations,\nPutEvents", "#f2f2f2"),
}

# (from, to, label, from side, to side, height): an arrow between a right and
# a left side runs level, at this height (None: the middle of the first box).
ARROWS = [
    ("raw", "prep", "read", "bottom", "top", None),
    ("prep", "bucket", "export", "bottom", "top", None),
    ("datastack", "bucket", "", "top", "bottom", None),
    ("config", "engine", "", "bottom", "top", None),
    ("ci", "engine", "runs", "top", "bottom", None),
    ("engine", "personalize", "create, update,\nwait, read", "right", "left", None),
    ("bucket", "personalize", "imports, batch jobs", "right", "left", 1.3),
    ("serving", "personalize", "", "left", "right", None),
    ("evaluation", "personalize", "", "left", "right", None),
    ("app", "personalize", "", "left", "right", 1.45),
]


def _anchor(name: str, side: str, level: float | None) -> tuple[float, float]:
    x, y, w, h = BOXES[name][:4]
    middle = y + h / 2 if level is None else level
    return {
        "top": (x + w / 2, y + h),
        "bottom": (x + w / 2, y),
        "left": (x, middle),
        "right": (x + w, middle),
    }[side]


def draw(output: Path) -> None:
    fig, ax = plt.subplots(figsize=(16, 9), dpi=100)
    ax.set_xlim(0, 16.2)
    ax.set_ylim(-0.2, 8.6)
    ax.axis("off")
    for x, y, w, h, title, detail, colour in BOXES.values():
        ax.add_patch(
            FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0.02,rounding_size=0.12", fc=colour, ec="#555555")
        )
        big = h > 3
        ax.text(x + w / 2, y + h - 0.18, title, ha="center", va="top", fontsize=13, weight="bold")
        ax.text(
            x + (0.25 if big else w / 2),
            y + h - (0.75 if big else 0.62 if "\n" not in title else 0.95),
            detail,
            ha="left" if big else "center",
            va="top",
            fontsize=11 if big else 10,
            linespacing=1.35,
        )
    for start, end, label, from_side, to_side, level in ARROWS:
        a = _anchor(start, from_side, level)
        b = _anchor(end, to_side, a[1] if from_side in ("left", "right") else None)
        ax.add_patch(FancyArrowPatch(a, b, arrowstyle="-|>", mutation_scale=16, lw=1.4, color="#333333"))
        if label:
            vertical = from_side in ("top", "bottom")
            ax.text(
                (a[0] + b[0]) / 2 + (0.1 if vertical else 0),
                (a[1] + b[1]) / 2 + (0 if vertical else 0.1),
                label,
                ha="left" if vertical else "center",
                va="center" if vertical else "bottom",
                fontsize=9.5,
            )
    ax.text(
        8,
        8.45,
        "personalize-pulumi: data preparation, a Pulumi program, and the commands around Amazon Personalize",
        ha="center",
        fontsize=14,
    )
    ax.text(
        10.9,
        0.45,
        "locally, personalize-local (python -m local) serves\nPersonalize, S3, IAM and STS on one port",
        ha="center",
        fontsize=9.5,
        style="italic",
        color="#336633",
    )
    output.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(output, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=OUTPUT)
    draw(parser.parse_args().output)


if __name__ == "__main__":
    main()
