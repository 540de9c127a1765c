"""The status command: what is running per experiment, from the stack outputs
and a live Describe per running job (here answered by stand-ins)."""

import json

from evaluation import status
from evaluation.__main__ import main

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
