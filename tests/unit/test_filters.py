"""Filter expressions checked at preview (#13, finding 1: a bad expression
deleted the live filter, then its failed replacement lost it for good)."""

import pytest

from stacks.filters import problem

GROUP = {"Interactions": ("USER_ID", "ITEM_ID", "EVENT_TYPE", "TIMESTAMP")}
WITH_ITEMS = {**GROUP, "Items": ("ITEM_ID", "CATEGORY", "PRICE", "GENRE")}


@pytest.mark.parametrize(
    "expression",
    [
        'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("purchase")',
        'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("click", "stream")',
        "INCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ($EVENTS)",
        'exclude ItemID where Interactions.EVENT_TYPE not in ("*")',
        'INCLUDE ItemID WHERE Interactions.TIMESTAMP > 1700000000 AND Interactions.EVENT_TYPE = "view"',
        'EXCLUDE ItemID WHERE (Interactions.EVENT_TYPE IN ("a") OR Interactions.EVENT_TYPE IN ("b"))',
    ],
)
def test_documented_forms_on_the_groups_datasets_pass(expression):
    assert problem(expression, GROUP) is None


def test_items_and_current_item_references_pass_when_the_group_has_items():
    assert (
        problem('INCLUDE ItemID WHERE Items.CATEGORY IN ("shoes") | EXCLUDE ItemID WHERE Items.PRICE > 100', WITH_ITEMS)
        is None
    )
    assert problem("INCLUDE ItemID WHERE Items.GENRE IN (CurrentItem.GENRE)", WITH_ITEMS) is None


@pytest.mark.parametrize(
    "expression, says",
    [
        # The expression of finding 1: IN without its parentheses.
        ('EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN "purchase"', "has '\"purchase\"' where ( should come"),
        ("EXCLUDE ItemID WHERE Items.PRICE > 10", "Items.PRICE refers to Items"),
        ('EXCLUDE ItemID WHERE Interactions.EVENT IN ("x")', "Interactions.EVENT is not one"),
        ('REMOVE ItemID WHERE Interactions.EVENT_TYPE IN ("x")', "where INCLUDE or EXCLUDE should come"),
        ('EXCLUDE Items WHERE Interactions.EVENT_TYPE IN ("x")', "allowed ItemID or UserID"),
        ("EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN (purchase)", "where a value"),
        ('EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("x"', "ends where ) should come"),
        ('EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("x") extra', "after a complete expression"),
        ("EXCLUDE ItemID WHERE", "ends where"),
    ],
)
def test_a_mistake_is_named(expression, says):
    found = problem(expression, GROUP)
    assert found is not None and says in found, found
