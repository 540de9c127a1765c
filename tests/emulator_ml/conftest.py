import pytest

import local.ml as ml

from . import synth


@pytest.fixture
def group(tmp_path):
    """A dataset group with synthetic Interactions (120 users, 1440 rows) and Items."""
    root = tmp_path / "dg"
    ml.import_dataset(
        "Interactions", synth.INTERACTIONS_SCHEMA, [synth.to_csv(synth.interactions())], str(root / "INTERACTIONS")
    )
    ml.import_dataset("Items", synth.ITEMS_SCHEMA, [synth.items_csv()], str(root / "ITEMS"))
    return root
