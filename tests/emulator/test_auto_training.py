"""Automatic training as AWS documents it: on by default, on a rate(N days)
schedule, the first within an hour of the solution becoming ACTIVE, and only
when interaction data arrived since the last training.
Sources: https://docs.aws.amazon.com/personalize/latest/dg/API_CreateSolution.html (performAutoTraining),
https://docs.aws.amazon.com/personalize/latest/dg/API_AutoTrainingConfig.html,
https://docs.aws.amazon.com/personalize/latest/dg/solution-config-auto-training.html"""

import pytest

from tests.helpers.emulator import DAY, build_group

HOUR = 3600


def versions(p, solution: str) -> list[dict]:
    summaries = p.list_solution_versions(solutionArn=solution)["solutionVersions"]
    return [
        p.describe_solution_version(solutionVersionArn=s["solutionVersionArn"])["solutionVersion"] for s in summaries
    ]


def reimport(p, arns: dict, data_bucket: dict, name: str) -> None:
    p.create_dataset_import_job(
        jobName=name,
        datasetArn=arns["dataset"],
        roleArn=data_bucket["role"],
        dataSource={"dataLocation": f"s3://{data_bucket['bucket']}/interactions/"},
    )


def test_a_solution_trains_by_itself_every_seven_days_by_default(emulator, p, data_bucket, unique):
    arns = build_group(emulator, f"auto-{unique}", data_bucket)
    solution = p.create_solution(name=f"auto-{unique}", datasetGroupArn=arns["group"])["solutionArn"]
    assert p.describe_solution(solutionArn=solution)["solution"]["performAutoTraining"] is True
    emulator.advance(60)  # ACTIVE after 30 s; the first training is due within the hour
    assert versions(p, solution) == []
    emulator.advance(HOUR)
    [first] = versions(p, solution)
    assert (first["trainingType"], first["trainingMode"]) == ("AUTOMATIC", "FULL")
    assert first["trainingHours"] > 0
    emulator.advance(DAY)
    assert versions(p, solution)[0]["status"] == "ACTIVE"
    emulator.advance(7 * DAY)  # no data arrived since: the scheduled training does not run
    assert len(versions(p, solution)) == 1
    reimport(p, arns, data_bucket, f"auto-{unique}-again")
    emulator.advance(7 * DAY)
    trained = versions(p, solution)
    assert [v["trainingType"] for v in trained] == ["AUTOMATIC", "AUTOMATIC"]
    assert trained[1]["creationDateTime"] > trained[0]["creationDateTime"]


def test_a_schedule_sets_the_frequency_and_turning_it_off_stops_it(emulator, p, data_bucket, unique):
    arns = build_group(emulator, f"every2-{unique}", data_bucket)
    solution = p.create_solution(
        name=f"every2-{unique}",
        datasetGroupArn=arns["group"],
        solutionConfig={"autoTrainingConfig": {"schedulingExpression": "rate(2 days)"}},
    )["solutionArn"]
    emulator.advance(2 * HOUR)
    assert len(versions(p, solution)) == 1
    reimport(p, arns, data_bucket, f"every2-{unique}-b")
    emulator.advance(2 * DAY)
    assert len(versions(p, solution)) == 2
    p.update_solution(solutionArn=solution, performAutoTraining=False)
    emulator.advance(HOUR)
    reimport(p, arns, data_bucket, f"every2-{unique}-c")
    emulator.advance(4 * DAY)
    assert len(versions(p, solution)) == 2


def test_a_manual_version_within_the_hour_skips_the_first_automatic_training(emulator, p, data_bucket, unique):
    arns = build_group(emulator, f"skip-{unique}", data_bucket)
    solution = p.create_solution(name=f"skip-{unique}", datasetGroupArn=arns["group"])["solutionArn"]
    emulator.advance(60)
    manual = p.create_solution_version(solutionArn=solution)["solutionVersionArn"]
    emulator.advance(DAY)
    assert [v["solutionVersionArn"] for v in versions(p, solution)] == [manual]
    reimport(p, arns, data_bucket, f"skip-{unique}-again")
    emulator.advance(7 * DAY)  # the schedule goes on: new data, an automatic version
    assert [v["trainingType"] for v in versions(p, solution)] == ["MANUAL", "AUTOMATIC"]


def test_a_schedule_outside_one_to_thirty_days_is_refused(emulator, p, trained, unique):
    for expression in ("rate(31 days)", "rate(0 days)"):
        with pytest.raises(p.exceptions.InvalidInputException):
            p.create_solution(
                name=f"bad-{unique}",
                datasetGroupArn=trained["group"],
                solutionConfig={"autoTrainingConfig": {"schedulingExpression": expression}},
            )
