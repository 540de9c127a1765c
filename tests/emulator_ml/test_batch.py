import json

import local.ml as ml

from . import synth
from .helpers import train


def run(model_dir, lines, **kwargs):
    out = ml.batch_infer(str(model_dir), synth.jsonl(lines), **kwargs)
    return [json.loads(line) for line in out.decode().splitlines()]


def test_user_batch_has_one_line_per_input_and_error_lines(group, tmp_path):
    train(group, tmp_path / "m", "aws-user-personalization")
    lines = [{"userId": "u1"}, "{not json", {"userId": "u2"}, {"itemId": "i1"}, {"userId": "cold"}]
    results = run(tmp_path / "m", lines, num_results=7)
    assert len(results) == 5
    assert [r["error"] is None for r in results] == [True, False, True, False, True]
    assert results[0]["input"] == {"userId": "u1"}
    assert len(results[0]["output"]["recommendedItems"]) == len(results[0]["output"]["scores"]) == 7
    assert results[0]["output"]["recommendedItems"] == [
        r["itemId"] for r in ml.recommend(str(tmp_path / "m"), user_id="u1", num_results=7)
    ]
    assert "userId" in results[3]["error"]
    assert results[1]["input"] == "{not json" and results[1]["output"] is None


def test_ranking_and_similar_items_batches(group, tmp_path):
    train(group, tmp_path / "r", "aws-personalized-ranking")
    train(group, tmp_path / "s", "aws-sims")
    ranked = run(tmp_path / "r", [{"userId": "u1", "itemList": ["i5", "nope", "i1"]}, {"userId": "u1"}])
    assert ranked[0]["output"]["recommendedItems"][-1] == "nope"
    assert sorted(ranked[0]["output"]["recommendedItems"]) == ["i1", "i5", "nope"]
    assert ranked[1]["error"]
    similar = run(tmp_path / "s", [{"itemId": "i1"}, {"itemId": "i2"}, {"userId": "u1"}], num_results=3)
    assert [len(r["output"]["recommendedItems"]) for r in similar[:2]] == [3, 3]
    assert "itemId" in similar[2]["error"]


def test_batch_filter_applies_to_every_line(group, tmp_path):
    train(group, tmp_path / "m", "aws-popularity-count")
    compiled = ml.compile_filter("INCLUDE ItemID WHERE Items.GENRE IN ($G)")
    results = run(
        tmp_path / "m",
        [{"userId": "u1"}, {"userId": "u9"}],
        num_results=50,
        filter=compiled,
        filter_values={"G": '"Action"'},
        dataset_group_dir=str(group),
    )
    for r in results:
        assert r["output"]["recommendedItems"]
        assert all(int(i[1:]) % 4 == 2 for i in r["output"]["recommendedItems"])


def test_batch_lines_may_carry_their_own_filter_values(group, tmp_path):
    train(group, tmp_path / "m", "aws-popularity-count")
    compiled = ml.compile_filter("INCLUDE ItemID WHERE Items.GENRE IN ($G)")
    lines = [
        {"userId": "u1", "filterValues": {"G": '"Action"'}},
        {"userId": "u1"},
        {"userId": "u1", "filterValues": {"G": '"Drama"'}},
    ]
    results = run(tmp_path / "m", lines, num_results=50, filter=compiled, dataset_group_dir=str(group))
    assert all(int(i[1:]) % 4 == 2 for i in results[0]["output"]["recommendedItems"])
    assert "$G" in results[1]["error"]
    assert all(int(i[1:]) % 4 in (1, 3) for i in results[2]["output"]["recommendedItems"])
