"""Shortcuts shared by the local/ml tests."""

import local.ml as ml

from . import synth

RECIPE = "arn:aws:personalize:::recipe/{}"


def train(group_dir, model_dir, recipe, **kwargs):
    return ml.train(RECIPE.format(recipe), str(group_dir), str(model_dir), **kwargs)


def import_rows(group_dir, rows, mode="FULL"):
    return ml.import_dataset(
        "Interactions", synth.INTERACTIONS_SCHEMA, [synth.to_csv(rows)], str(group_dir / "INTERACTIONS"), mode
    )
