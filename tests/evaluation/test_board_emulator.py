"""`python -m evaluation report` with intervals and the history chart, reading the
per-user scores and the promotion history from the emulator's S3, where the gate
leaves them (evaluation/validation.py, providers/promotion.py)."""

import copy
import json

import pytest
from PIL import Image

from common.layout import evaluation_scores_key, promotion_history_key
from evaluation.__main__ import main
from tests.evaluation.test_board import CUSTOM, METRIC, RECORDS, TUNED, USERS
from tests.helpers.stack_outputs import GROUPED

BUCKET = "board-reports"


@pytest.fixture(scope="module")
def outputs(aws, personalize_local):
    s3 = aws("s3")
    s3.create_bucket(Bucket=BUCKET)
    for version, values in (("v1", TUNED), ("v2", CUSTOM)):  # tuned/v1 and custom/v2 are served
        kept = {"users": USERS, "perUser": {METRIC: values}, "datasetVersion": "v1"}
        s3.put_object(Bucket=BUCKET, Key=evaluation_scores_key("v1", version), Body=json.dumps(kept).encode())
    lines = "".join(json.dumps(r) + "\n" for r in RECORDS)
    s3.put_object(Bucket=BUCKET, Key=promotion_history_key("shop-custom"), Body=lines.encode())
    found = copy.deepcopy(GROUPED)
    found["bucket"] = BUCKET
    found["connection"] = {"region": "us-east-1", "endpoint": personalize_local.endpoint}
    for name, promotion in found["promotions"].items():
        campaign = "shop-custom" if name == "custom" else f"missing-{name}"
        promotion["history"] = f"s3://{BUCKET}/{promotion_history_key(campaign)}"
    return found


def test_the_report_prints_intervals_and_writes_both_charts(outputs, tmp_path, capsys):
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(outputs))
    board_png, history_png = tmp_path / "board.png", tmp_path / "history.png"
    argv = ["report", "--stack", "dev", "--outputs-json", str(path), "--intervals"]
    assert main([*argv, "--leaderboard-chart", str(board_png), "--history-chart", str(history_png)]) == 0
    out = capsys.readouterr().out
    assert "dataset group shop: validation.ndcg_at_10 per user, bootstrap 95% intervals" in out
    intervals = out.split("bootstrap 95% intervals\n", 1)[1]
    tuned = next(line for line in intervals.splitlines() if line.startswith("* tuned "))
    assert [cell.strip() for cell in tuned.split(" | ")][1:] == ["0.2500", "[0.1900, 0.3150]", "200", "best"]
    assert "tuned is best; not distinguishable from custom" in out
    for png in (board_png, history_png):
        with Image.open(png) as image:
            assert image.format == "PNG" and image.size[0] > 400
    assert f"history chart written to {history_png}" in out


def test_an_experiment_whose_served_version_has_no_kept_scores_says_so(outputs, tmp_path, capsys):
    changed = copy.deepcopy(outputs)
    changed["promotions"]["tuned"]["servedVersionArn"] = changed["promotions"]["tuned"]["servedVersionArn"] + "-old"
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(changed))
    assert main(["report", "--stack", "dev", "--outputs-json", str(path), "--intervals"]) == 0
    assert "  tuned: no per-user validation.ndcg_at_10 kept for its served version" in capsys.readouterr().out


def test_a_bucket_that_cannot_be_read_is_one_error_naming_it(outputs, tmp_path, capsys):
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps({**outputs, "bucket": "no-such-bucket"}))
    assert main(["report", "--stack", "dev", "--outputs-json", str(path), "--intervals"]) == 2
    assert "error: cannot read the per-user scores or history in bucket no-such-bucket" in capsys.readouterr().err
