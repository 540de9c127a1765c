"""`python -m serving recommend` on the deployed experiment of conftest.py,
with the stack outputs read from a file as --outputs-json allows."""

import copy
import json
import re

import pytest

from serving.__main__ import main
from serving.client import Recommender
from serving.outputs import StackOutputs


@pytest.fixture(scope="module")
def outputs_file(deployed, tmp_path_factory):
    outputs = copy.deepcopy(deployed["outputs"])
    # Declared but never deployed: no campaign yet.
    outputs["experiments"]["draft"] = {
        "datasetVersion": "serving-v1",
        "recipe": "arn:aws:personalize:::recipe/aws-sims",
    }
    path = tmp_path_factory.mktemp("outputs") / "outputs.json"
    path.write_text(json.dumps(outputs))
    return str(path)


@pytest.fixture
def recommend(outputs_file, deployed, capsys):
    """recommend(*args) -> (exit code, stdout, stderr), for the deployed experiment unless told otherwise."""

    def run(*args, experiment=None):
        code = main(
            [
                "recommend",
                "--stack",
                "test",
                "--outputs-json",
                outputs_file,
                "--experiment",
                experiment or deployed["experiment"],
                *args,
            ]
        )
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture(scope="module")
def recommender(deployed):
    return Recommender(StackOutputs("test", deployed["outputs"]), deployed["experiment"])


def table_rows(out: str) -> list[list[str]]:
    lines = out.strip().splitlines()
    assert lines[0].split() == ["rank", "itemId", "score"]
    return [line.split() for line in lines[1:]]


def test_prints_a_table_of_the_recommendations(recommend, recommender):
    code, out, err = recommend("--user", "u1", "--num", "5")
    assert (code, err) == (0, "")
    rows = table_rows(out)
    expected = recommender.recommend(user_id="u1", num_results=5)
    assert [row[0] for row in rows] == ["1", "2", "3", "4", "5"]
    assert [row[1] for row in rows] == [item["itemId"] for item in expected]
    assert [float(row[2]) for row in rows] == pytest.approx([item["score"] for item in expected], abs=1e-6)


def test_json_has_the_items_and_what_was_asked(recommend, recommender, deployed):
    code, out, _ = recommend("--user", "u2", "--num", "3", "--filter", "no-purchases", "--json")
    assert code == 0
    printed = json.loads(out)
    assert printed["items"] == recommender.recommend(user_id="u2", num_results=3, filter="no-purchases")
    assert (printed["userId"], printed["filter"], printed["campaignArn"]) == (
        "u2",
        "no-purchases",
        deployed["campaign_arn"],
    )


def test_filter_values_from_the_command_line(recommend, recommender):
    excluded = [item["itemId"] for item in recommender.recommend(user_id="u3", num_results=2)]
    code, out, _ = recommend(
        "--user",
        "u3",
        "--num",
        "10",
        "--filter",
        "not-these",
        "--filter-value",
        f"ITEMS={excluded[0]}",
        "--filter-value",
        f"ITEMS={excluded[1]}",
    )
    assert code == 0
    shown = [row[1] for row in table_rows(out)]
    assert len(shown) == 10 and not set(excluded) & set(shown)


def test_rank_prints_the_given_items_reordered(recommend, recommender):
    code, out, _ = recommend("--user", "u4", "--rank", "i40,i3,i0,i17")
    assert code == 0
    expected = recommender.rank("u4", ["i40", "i3", "i0", "i17"])
    assert [row[1] for row in table_rows(out)] == [item["itemId"] for item in expected]


def test_an_unknown_user_is_asked_for_only_on_purpose(recommend):
    code, out, _ = recommend("--user", "stranger", "--num", "4", "--allow-unknown-users")
    assert code == 0 and len(table_rows(out)) == 4


@pytest.mark.parametrize(
    "args, experiment, message",
    [
        (["--user", "u1"], "nope", "no experiment 'nope'"),
        (["--user", "stranger"], None, "unknown user id 'stranger'.*serving-v1.*--allow-unknown-users"),
        (["--item", "i1"], "draft", "experiment draft has no output 'campaignArn'"),
        (["--user", "u1", "--filter", "cheap"], None, "no filter 'cheap'; its filters: no-purchases, not-these"),
        (
            ["--user", "u1", "--filter", "not-these", "--filter-value", "ITEMS"],
            None,
            "--filter-value 'ITEMS' is not KEY=VALUE",
        ),
        (
            ["--user", "u1", "--filter", "not-these", "--filter-value", "IT-EMS=i1"],
            None,
            "'IT-EMS=i1' is not KEY=VALUE",
        ),
        (["--user", "u1", "--num", "0"], None, "1 to 500, got 0"),
        (["--item", "i1", "--rank", "i1,i2"], None, "--rank ranks items for a user"),
        (["--user", "u1", "--rank", "i1,,i2"], None, "empty item id"),
    ],
)
def test_bad_input_exits_2_with_a_message_naming_it(recommend, args, experiment, message):
    code, out, err = recommend(*args, experiment=experiment)
    assert code == 2 and out == ""
    assert err.startswith("error: ")
    assert re.search(message, err), err
