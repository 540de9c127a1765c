import pickle

import pytest

import local.ml as ml

from . import synth
from .helpers import train

GENRES = ["Comedy", "Drama", "Action", "Comedy|Drama"]  # item i{k} has GENRES[k % 4]


def price(k):
    return 5 + k % 20


def year(k):
    return 1990 + k % 30


@pytest.fixture
def served(group, tmp_path):
    users = synth.to_csv([("u1", 45, "gold"), ("u2", 17, "free")], header=("USER_ID", "AGE", "TIER"))
    ml.import_dataset("Users", synth.USERS_SCHEMA, [users], str(group / "USERS"))
    train(group, tmp_path / "m", "aws-popularity-count")

    def recommend(expression, user="u1", values=None):
        compiled = ml.compile_filter(expression)
        result = ml.recommend(
            str(tmp_path / "m"),
            user_id=user,
            num_results=100,
            filter=compiled,
            filter_values=values,
            dataset_group_dir=str(group),
        )
        return [r["itemId"] for r in result]

    recommend.all_items = recommend('EXCLUDE ItemID WHERE Items.ITEM_ID IN ("none")')
    recommend.group = group
    return recommend


def k_of(item):
    return int(item[1:])


def history(user, event_type=None):
    rows = synth.interactions()
    return {r[1] for r in rows if r[0] == user and (event_type is None or r[3] == event_type)}


@pytest.mark.parametrize(
    "expression, message",
    [
        ("", "empty"),
        ('KEEP ItemID WHERE Items.GENRE IN ("x")', "INCLUDE or EXCLUDE"),
        ('EXCLUDE ItemID Items.GENRE IN ("x")', "WHERE"),
        ('EXCLUDE ItemID WHERE Items.GENRE IN ("x"', "Expected )"),
        ('EXCLUDE ItemID WHERE Items.GENRE LIKE "x"', "operator"),
        ('EXCLUDE ItemID WHERE Products.GENRE IN ("x")', "Unknown field"),
        ('EXCLUDE ItemID WHERE Interactions.ITEM_ID IN ("x")', "Interactions.EVENT_TYPE"),
        ("EXCLUDE ItemID WHERE Items.PRICE > ", "value"),
        ('EXCLUDE ItemID WHERE Items.GENRE IN ("x") AND', "field"),
        ('EXCLUDE ItemID WHERE Items.GENRE IN ("x") junk', "Unexpected"),
        ('EXCLUDE ItemID WHERE Items.GENRE IN ("x") |', "INCLUDE or EXCLUDE"),
        ('INCLUDE ItemID WHERE Items.GENRE IN ("x") IF Items.PRICE > 3', "CurrentUser"),
        ("EXCLUDE ItemID WHERE Items.GENRE = #", "Invalid filter expression"),
    ],
)
def test_syntax_errors(expression, message):
    with pytest.raises(ml.FilterInvalid) as caught:
        ml.compile_filter(expression)
    assert message in caught.value.reason


def test_compiled_filter_keeps_its_text_and_pickles():
    text = "INCLUDE ItemID WHERE Items.GENRE IN ($GENRES) | EXCLUDE ItemID WHERE Items.PRICE >= 10"
    compiled = ml.compile_filter(text)
    assert compiled.expression == text
    assert pickle.loads(pickle.dumps(compiled)) == compiled
    assert compiled.placeholders == {"GENRES"}


def test_exclude_by_interaction_event_type(served):
    result = served('EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("purchase")')
    purchased = history("u1", "purchase")
    assert purchased and not purchased & set(result)
    assert set(result) == set(served.all_items) - purchased


def test_include_only_interacted_items_of_any_type(served):
    result = served('INCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("*")')
    assert set(result) == history("u1") & set(served.all_items)


def test_include_by_item_metadata_with_placeholder(served):
    result = served("INCLUDE ItemID WHERE Items.GENRE IN ($GENRES)", values={"GENRES": '"Action","Drama"'})
    assert result and all("Action" in GENRES[k_of(i) % 4] or "Drama" in GENRES[k_of(i) % 4] for i in result)
    assert len(result) == sum(1 for i in served.all_items if k_of(i) % 4 in (1, 2, 3))
    assert result == [i for i in served.all_items if i in set(result)]  # order is kept


def test_missing_placeholder_value_is_named(served):
    with pytest.raises(ValueError, match=r"\$GENRES"):
        served("INCLUDE ItemID WHERE Items.GENRE IN ($GENRES)")


def test_numeric_comparisons_and_and_or(served):
    result = served("INCLUDE ItemID WHERE Items.PRICE > 10 AND Items.YEAR >= 2000")
    assert set(result) == {i for i in served.all_items if price(k_of(i)) > 10 and year(k_of(i)) >= 2000}
    result = served('INCLUDE ItemID WHERE Items.PRICE <= 6 OR Items.GENRE = "Action"')
    assert set(result) == {i for i in served.all_items if price(k_of(i)) <= 6 or k_of(i) % 4 == 2}
    result = served('EXCLUDE ItemID WHERE Items.GENRE NOT IN ("Comedy") AND (Items.PRICE < 8 OR Items.PRICE > 20)')
    assert set(result) == {
        i
        for i in served.all_items
        if not ("Comedy" not in GENRES[k_of(i) % 4].split("|") and (price(k_of(i)) < 8 or price(k_of(i)) > 20))
    }


def test_joined_expressions_all_apply(served):
    result = served(
        'EXCLUDE ItemID WHERE Items.ITEM_ID IN ("i0", "i1") | INCLUDE ItemID WHERE Items.PRICE < $P', values={"P": "9"}
    )
    assert set(result) == {i for i in served.all_items if price(k_of(i)) < 9} - {"i0", "i1"}


def test_user_conditions(served):
    adults_only = 'EXCLUDE ItemID WHERE Items.GENRE IN ("Action") IF CurrentUser.AGE < 18'
    assert set(served(adults_only, user="u1")) == set(served.all_items)
    assert not any(k_of(i) % 4 == 2 for i in served(adults_only, user="u2"))
    gold = 'INCLUDE ItemID WHERE Items.PRICE > 20 OR Users.TIER IN ("gold")'
    assert set(served(gold, user="u1")) == set(served.all_items)
    assert set(served(gold, user="u2")) == {i for i in served.all_items if price(k_of(i)) > 20}


def test_put_items_changes_what_a_filter_sees(served):
    assert "i2" not in served('INCLUDE ItemID WHERE Items.GENRE IN ("Horror")')
    ml.put_records(str(served.group / "ITEMS"), "itemId", [{"itemId": "i2", "properties": '{"genre": "Horror"}'}])
    assert served('INCLUDE ItemID WHERE Items.GENRE IN ("Horror")') == ["i2"]


def test_filters_apply_to_ranking(group, tmp_path):
    train(group, tmp_path / "r", "aws-personalized-ranking")
    compiled = ml.compile_filter('EXCLUDE ItemID WHERE Items.GENRE IN ("Action")')
    result = ml.rank(str(tmp_path / "r"), "u1", ["i1", "i2", "i3", "i6"], filter=compiled, dataset_group_dir=str(group))
    assert sorted(r["itemId"] for r in result) == ["i1", "i3"]
