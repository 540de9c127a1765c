"""The status command: what is running per experiment and dataset group, from
the stack outputs and a live Describe per running job (here answered by stand-ins)."""

import copy
import json

from evaluation import status
from evaluation.__main__ import main
from tests.helpers.stack_outputs import GROUPED, LEGACY

VERSION = "arn:aws:personalize:us-east-1:000000000000:solution/s/v2"
OUTPUTS = {
    "connection": {"region": "us-east-1", "endpoint": None},
    "experiments": {
        "training": {
            "datasetVersion": "v2",
            "trainingStatus": "CREATE IN_PROGRESS",
            "solutionVersionArn": VERSION,
            "servedVersionArn": "arn:aws:personalize:us-east-1:000000000000:solution/s/v1",
        },
        "importing": {
            "datasetVersion": "v3",
            "trainingStatus": "WAITING FOR IMPORT",
            "solutionVersionArn": None,
            "importJobArn": "arn:import",
            "servedVersionArn": "arn:x/solution/t/v7",
        },
        "settled": {
            "datasetVersion": "v1",
            "trainingStatus": "ACTIVE",
            "solutionVersionArn": "arn:x/solution/u/v1",
            "servedVersionArn": "arn:x/solution/u/v1",
        },
    },
    "promotions": {
        "training": {"decision": "pending"},
        "importing": {"decision": "pending"},
        "settled": {"decision": "initial"},
    },
}


def test_running_jobs_are_described_live_and_settled_ones_are_not():
    asked = []

    def version(arn):
        asked.append(arn)
        return "ACTIVE"

    rows = {
        row[0]: row
        for row in status.rows(OUTPUTS, describe_version=version, describe_import=lambda arn: "CREATE IN_PROGRESS")
    }
    assert asked == [VERSION]  # only the running training is asked about
    assert rows["training"] == (
        "training",
        "v2",
        "CREATE IN_PROGRESS",
        "ACTIVE (run `pulumi up` to continue)",
        "v1",
        "pending",
    )
    assert rows["importing"][3] == "import CREATE IN_PROGRESS" and rows["importing"][4] == "v7"
    assert rows["settled"][2:] == ("ACTIVE", "ACTIVE", "v1", "initial")


def not_asked(arn):
    raise AssertionError(f"{arn} has no training to ask about")


def test_a_finished_import_says_an_up_continues():
    [row] = status.rows(
        {"experiments": {"e": OUTPUTS["experiments"]["importing"]}},
        describe_version=not_asked,
        describe_import=lambda arn: "ACTIVE",
    )
    assert row[3] == "import ACTIVE (run `pulumi up` to continue)"


def test_the_command_prints_a_table_from_an_outputs_file(tmp_path, capsys):
    settled = {"experiments": {"settled": OUTPUTS["experiments"]["settled"]}, "promotions": OUTPUTS["promotions"]}
    (tmp_path / "outputs.json").write_text(json.dumps(settled))
    assert main(["status", "--stack", "dev", "--outputs-json", str(tmp_path / "outputs.json")]) == 0
    header, row = capsys.readouterr().out.splitlines()
    assert header.split() == [
        "experiment",
        "data",
        "training",
        "(recorded)",
        "training",
        "(now)",
        "served",
        "version",
        "gate",
    ]
    assert row.split() == ["settled", "v1", "ACTIVE", "ACTIVE", "v1", "initial"]


def test_a_stack_never_deployed_is_a_clear_error(tmp_path, capsys):
    (tmp_path / "outputs.json").write_text("{}")
    assert main(["status", "--stack", "dev", "--outputs-json", str(tmp_path / "outputs.json")]) == 2
    assert "stack dev has no `experiments` output" in capsys.readouterr().err


# --- dataset groups and recommenders (issue 15's outputs) --------------------


def test_a_recommender_being_created_is_described_live_and_has_no_gate():
    outputs = copy.deepcopy(GROUPED)
    outputs["experiments"]["for-you"]["recommenderStatus"] = "CREATE IN_PROGRESS"
    asked = []

    def recommender(arn):
        asked.append(arn)
        return "ACTIVE"

    rows = {
        row[0]: row
        for row in status.rows(
            outputs, describe_version=not_asked, describe_import=not_asked, describe_recommender=recommender
        )
    }
    assert asked == [outputs["experiments"]["for-you"]["recommenderArn"]]
    assert rows["for-you"] == (
        "for-you",
        "v1",
        "CREATE IN_PROGRESS",
        "ACTIVE (run `pulumi up` to continue)",
        "recommender",
        "-",
    )
    assert rows["custom"][2:] == ("ACTIVE", "ACTIVE", "v2", "reject")


def test_a_settled_recommender_is_not_asked_about():
    [row] = status.rows(
        {"experiments": {"for-you": GROUPED["experiments"]["for-you"]}},
        describe_version=not_asked,
        describe_import=not_asked,
        describe_recommender=not_asked,
    )
    assert row[2:] == ("ACTIVE", "ACTIVE", "recommender", "-")


def test_each_group_shows_its_imports_tracker_and_attribution_with_running_imports_asked_live():
    asked = []

    def job(arn):
        asked.append(arn)
        return "CREATE IN_PROGRESS"

    rows = {row[0]: row for row in status.group_rows(GROUPED, describe_import=job)}
    assert asked == [GROUPED["datasetGroups"]["shop"]["datasets"]["items"]["importJobArn"]]
    assert rows["shop"] == (
        "shop",
        "ECOMMERCE",
        "v1",
        "ACTIVE",
        "CREATE IN_PROGRESS",
        "-",
        "yes",
        "shop",
        "custom, tuned, for-you",
    )
    assert rows["films"] == ("films", "custom", "v1", "ACTIVE", "-", "-", "no", "-", "movies")


def test_an_import_finished_since_the_up_is_marked_and_explained():
    text = status.render(
        GROUPED,
        describe_version=not_asked,
        describe_import=lambda arn: "ACTIVE",
        describe_recommender=not_asked,
    )
    _, groups = text.split("\n\n")
    assert groups.splitlines()[0].split()[:3] == ["dataset", "group", "domain"]
    assert "ACTIVE*" in groups.splitlines()[2]
    assert groups.endswith("* finished since the last `pulumi up`: run it to continue\n")


def test_outputs_of_the_previous_release_have_no_groups_table_and_ask_nothing():
    assert status.group_rows(LEGACY) == []
    text = status.render(LEGACY)  # nothing is running: no service is asked (there is none here)
    assert "\n\n" not in text and len(text.splitlines()) == 3


def test_the_command_prints_both_tables_from_an_outputs_file(tmp_path, capsys):
    # Nothing recorded running: the command asks no service.
    settled = copy.deepcopy(GROUPED)
    settled["datasetGroups"]["shop"]["datasets"]["items"]["importStatus"] = "ACTIVE"
    (tmp_path / "outputs.json").write_text(json.dumps(settled))
    assert main(["status", "--stack", "dev", "--outputs-json", str(tmp_path / "outputs.json")]) == 0
    out = capsys.readouterr().out
    assert "for-you     v1    ACTIVE               ACTIVE          recommender     -" in out
    assert "shop           ECOMMERCE  v1    ACTIVE        ACTIVE  -      yes" in out
