"""The product's recipe facts (common/recipes.py, used by the preview) and the
emulator's (local/recipes.py, enforced by personalize-local) are read from AWS's
documentation separately; a disagreement means one of them misread it."""

import pytest

from common.recipes import SOURCES, SUPPORT, RecipeSupport
from local import recipes as emulator

FACTS = RecipeSupport._fields


def test_both_tables_state_the_same_facts_and_the_product_cites_each():
    assert emulator.Capabilities._fields == FACTS
    assert tuple(SOURCES) == FACTS


def test_every_recipe_the_product_offers_is_one_the_emulator_knows():
    assert set(SUPPORT) <= set(emulator.CAPABILITIES) <= set(emulator.RECIPES)


@pytest.mark.parametrize("recipe", sorted(set(SUPPORT) & set(emulator.CAPABILITIES)))
@pytest.mark.parametrize("fact", FACTS)
def test_the_product_and_the_emulator_agree(recipe, fact):
    product = getattr(SUPPORT[recipe], fact)
    assert product == getattr(emulator.CAPABILITIES[recipe], fact), (
        f"{recipe} {fact}: the product says {product!r} ({SOURCES[fact]})"
    )
