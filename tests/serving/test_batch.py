"""`python -m serving batch` against the experiment tests/serving/conftest.py
deploys on the emulator: what it writes, what it reuses, and how it refuses."""

import csv
import io
import json

import pytest

from local.ml.infer import recommend
from providers.filter import FilterProvider
from serving.__main__ import main
from tests.helpers.providers import create


def training_users(deployed) -> list[str]:
    rows = csv.DictReader(io.StringIO(deployed["csv"].decode()))
    return list(dict.fromkeys(row["USER_ID"] for row in rows))


def write_outputs(tmp_path, outputs: dict) -> str:
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(outputs))
    return str(path)


def batch(tmp_path, outputs: dict, *args: str) -> int:
    return main(
        [
            "batch",
            "--stack",
            "test",
            "--outputs-json",
            write_outputs(tmp_path, outputs),
            "--output",
            str(tmp_path / "recs.csv"),
            *args,
        ]
    )


def read_csv(path) -> list[dict]:
    with open(path, newline="") as file:
        reader = csv.DictReader(file)
        assert reader.fieldnames == ["userId", "rank", "itemId", "score"]
        return list(reader)


def jobs(aws, deployed) -> list[dict]:
    return aws("personalize").list_batch_inference_jobs(solutionVersionArn=deployed["version_arn"])[
        "batchInferenceJobs"
    ]


def outputs_under(aws, deployed, prefix: str) -> set[str]:
    listed = aws("s3").list_objects_v2(Bucket=deployed["outputs"]["bucket"], Prefix=prefix)
    return {o["Key"] for o in listed.get("Contents", [])}


def test_batch_answers_each_user_of_a_file_with_ranked_items(deployed, aws, tmp_path, capsys):
    users = training_users(deployed)[:6]
    users_file = tmp_path / "users.txt"
    users_file.write_text("USER_ID\n" + "\n".join(users + [users[0], ""]) + "\n")  # a repeat, a blank line
    # Other tests' ad hoc jobs (in any order) write beside this one's output.
    earlier = outputs_under(aws, deployed, "batch-output/serving/adhoc/")

    code = batch(
        tmp_path, deployed["outputs"], "--experiment", deployed["experiment"], "--users", str(users_file), "--num", "5"
    )

    assert code == 0, capsys.readouterr().err
    rows = read_csv(tmp_path / "recs.csv")
    assert [(r["userId"], r["rank"]) for r in rows] == [(u, str(rank)) for u in users for rank in range(1, 6)]
    for user in users:
        expected = recommend(
            deployed["model_dir"], user_id=user, num_results=5, dataset_group_dir=deployed["dataset_group_dir"]
        )
        got = [r for r in rows if r["userId"] == user]
        assert [r["itemId"] for r in got] == [e["itemId"] for e in expected]
        assert [float(r["score"]) for r in got] == pytest.approx([e["score"] for e in expected])
    # The job's own output: one line per distinct user of the file.
    [out] = outputs_under(aws, deployed, "batch-output/serving/adhoc/") - earlier
    body = aws("s3").get_object(Bucket=deployed["outputs"]["bucket"], Key=out)["Body"].read().decode()
    assert sorted(json.loads(line)["input"]["userId"] for line in body.splitlines()) == sorted(users)
    assert f"wrote 30 recommendations for 6 of 6 users to {tmp_path / 'recs.csv'}" in capsys.readouterr().out


def test_the_same_request_reuses_its_job_and_another_runs_a_new_one(deployed, aws, tmp_path, capsys):
    args = ["--experiment", deployed["experiment"], "--user", training_users(deployed)[0], "--num", "4"]
    assert batch(tmp_path, deployed["outputs"], *args) == 0
    first = capsys.readouterr().out
    count = len(jobs(aws, deployed))

    assert batch(tmp_path, deployed["outputs"], *args) == 0
    assert capsys.readouterr().out == first  # the same job and output
    assert len(jobs(aws, deployed)) == count

    assert batch(tmp_path, deployed["outputs"], *args[:-1], "3") == 0
    assert len(jobs(aws, deployed)) == count + 1
    assert len(read_csv(tmp_path / "recs.csv")) == 3


def test_a_filter_is_applied_by_the_job(deployed, aws, tmp_path):
    filter_arn = deployed["outputs"]["experiments"][deployed["experiment"]]["filters"][deployed["filter"]]
    assert (
        batch(
            tmp_path,
            deployed["outputs"],
            "--experiment",
            deployed["experiment"],
            "--filter",
            deployed["filter"],
            "--user",
            training_users(deployed)[1],
        )
        == 0
    )
    filtered = [
        job
        for job in jobs(aws, deployed)
        if aws("personalize")
        .describe_batch_inference_job(batchInferenceJobArn=job["batchInferenceJobArn"])["batchInferenceJob"]
        .get("filterArn")
        == filter_arn
    ]
    assert len(filtered) == 1


def test_unknown_users_are_named_and_refused_unless_allowed(deployed, tmp_path, capsys):
    known = training_users(deployed)[0]
    args = ["--experiment", deployed["experiment"], "--user", known, "--user", "ghost-1", "--user", "ghost-2"]

    assert batch(tmp_path, deployed["outputs"], *args) == 2
    assert "error: unknown user id 'ghost-1', 'ghost-2': no interactions in dataset version" in capsys.readouterr().err
    assert not (tmp_path / "recs.csv").exists()

    assert batch(tmp_path, deployed["outputs"], *args, "--allow-unknown-users") == 0
    assert {r["userId"] for r in read_csv(tmp_path / "recs.csv")} == {known, "ghost-1", "ghost-2"}


def test_users_the_job_cannot_answer_are_named(deployed, conn, tmp_path, capsys):
    """A filter with a placeholder needs values the command does not send: the
    job answers every line with an error instead of recommendations."""
    placeholder, _ = create(
        FilterProvider(),
        conn,
        name="serving-by-type",
        datasetGroupArn=deployed["group_arn"],
        filterExpression="INCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ($TYPE)",
    )
    outputs = json.loads(json.dumps(deployed["outputs"]))
    outputs["experiments"][deployed["experiment"]]["filters"]["by-type"] = placeholder
    users = training_users(deployed)[:2]

    code = batch(
        tmp_path,
        outputs,
        "--experiment",
        deployed["experiment"],
        "--filter",
        "by-type",
        *[arg for user in users for arg in ("--user", user)],
    )

    assert code == 1
    err = capsys.readouterr().err
    for user in users:
        assert f"error: user {user!r}: The filter expression needs a value for the placeholder $TYPE" in err
    assert read_csv(tmp_path / "recs.csv") == []


@pytest.mark.parametrize(
    "change, args, message",
    [
        (None, ["--experiment", "nope"], "stack test has no experiment 'nope'; its experiments: serving"),
        ("servedVersionArn", [], "experiment serving has no output 'servedVersionArn'"),
        ("bucket", [], "stack test has no output 'bucket'"),
        (
            None,
            ["--filter", "no-such-filter"],
            "experiment serving has no filter 'no-such-filter'; its filters: no-purchases",
        ),
        (None, ["--num", "0"], "numResults"),
    ],
)
def test_bad_requests_exit_2_saying_what_is_wrong(deployed, tmp_path, capsys, change, args, message):
    outputs = json.loads(json.dumps(deployed["outputs"]))
    if change == "servedVersionArn":
        del outputs["experiments"][deployed["experiment"]][change]
    elif change:
        del outputs[change]
    args = args if args[:1] == ["--experiment"] else ["--experiment", deployed["experiment"], *args]

    assert batch(tmp_path, outputs, *args, "--user", training_users(deployed)[0]) == 2

    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err
    assert not (tmp_path / "recs.csv").exists()
