"""Runtime answers from the campaign's solution version: filters with
placeholder values, ranking, incremental (UPDATE) training, regions, durations."""

import boto3
import pytest

from tests.helpers.emulator import DAY


@pytest.fixture(scope="module")
def campaign(emulator, trained):
    p = emulator.client("personalize")
    arn = p.create_campaign(name="runtime-tests", solutionVersionArn=trained["version"])["campaignArn"]
    emulator.advance()
    return arn


def test_filters_with_placeholder_values(emulator, trained, campaign, unique):
    p, runtime = emulator.client("personalize"), emulator.client("personalize-runtime")
    flt = p.create_filter(
        name=f"rt-{unique}",
        datasetGroupArn=trained["group"],
        filterExpression="EXCLUDE ItemID WHERE Items.ITEM_ID IN ($ITEMS)",
    )["filterArn"]
    emulator.advance()
    unfiltered = [
        i["itemId"] for i in runtime.get_recommendations(campaignArn=campaign, userId="u1", numResults=10)["itemList"]
    ]
    excluded = unfiltered[:2]
    filtered = [
        i["itemId"]
        for i in runtime.get_recommendations(
            campaignArn=campaign,
            userId="u1",
            numResults=10,
            filterArn=flt,
            filterValues={"ITEMS": ",".join(f'"{item}"' for item in excluded)},
        )["itemList"]
    ]
    assert len(filtered) == 10 and not set(excluded) & set(filtered)
    with pytest.raises(runtime.exceptions.InvalidInputException) as raised:
        runtime.get_recommendations(campaignArn=campaign, userId="u1", filterArn=flt)
    assert "$ITEMS" in str(raised.value)


def test_personalized_ranking_and_action_recommendations(emulator, campaign):
    runtime = emulator.client("personalize-runtime")
    ranked = runtime.get_personalized_ranking(campaignArn=campaign, userId="u2", inputList=["i3", "i1", "i2"])
    assert sorted(i["itemId"] for i in ranked["personalizedRanking"]) == ["i1", "i2", "i3"]
    scores = [i["score"] for i in ranked["personalizedRanking"]]
    assert scores == sorted(scores, reverse=True)
    with pytest.raises(runtime.exceptions.InvalidInputException):  # not an aws-next-best-action campaign
        runtime.get_action_recommendations(campaignArn=campaign, userId="u2")


def test_incremental_training_mode(emulator, trained):
    p = emulator.client("personalize")
    version = p.create_solution_version(solutionArn=trained["solution"], trainingMode="UPDATE")["solutionVersionArn"]
    emulator.advance()
    described = p.describe_solution_version(solutionVersionArn=version)["solutionVersion"]
    assert (described["status"], described["trainingMode"]) == ("ACTIVE", "UPDATE")


def test_region_comes_from_the_credential_scope(emulator, unique):
    eu = boto3.client("personalize", endpoint_url=emulator.endpoint, region_name="eu-west-1")
    arn = eu.create_dataset_group(name=f"eu-{unique}")["datasetGroupArn"]
    assert arn == f"arn:aws:personalize:eu-west-1:123456789012:dataset-group/eu-{unique}"
    assert eu.describe_dataset_group(datasetGroupArn=arn)["datasetGroup"]["name"] == f"eu-{unique}"


def test_durations_are_configurable(start_emulator):
    running = start_emulator("--durations", '{"datasetGroup": 100000}')
    p = running.client("personalize")
    group = p.create_dataset_group(name="slow")["datasetGroupArn"]
    running.advance(DAY / 2)
    assert p.describe_dataset_group(datasetGroupArn=group)["datasetGroup"]["status"] == "CREATE IN_PROGRESS"
    running.advance(DAY)
    assert p.describe_dataset_group(datasetGroupArn=group)["datasetGroup"]["status"] == "ACTIVE"


def test_a_campaign_can_follow_the_latest_solution_version(emulator, trained, unique):
    p = emulator.client("personalize")
    latest = trained["solution"] + "/$LATEST"
    with pytest.raises(p.exceptions.InvalidInputException):  # $LATEST needs syncWithLatestSolutionVersion
        p.create_campaign(name=f"follow-{unique}", solutionVersionArn=latest)
    campaign = p.create_campaign(
        name=f"follow-{unique}", solutionVersionArn=latest, campaignConfig={"syncWithLatestSolutionVersion": True}
    )["campaignArn"]
    emulator.advance()
    before = p.describe_campaign(campaignArn=campaign)["campaign"]["solutionVersionArn"]
    assert before.startswith(trained["solution"] + "/") and not before.endswith("$LATEST")
    newer = p.create_solution_version(solutionArn=trained["solution"])["solutionVersionArn"]
    emulator.advance()
    assert p.describe_solution_version(solutionVersionArn=newer)["solutionVersion"]["status"] == "ACTIVE"
    assert p.describe_campaign(campaignArn=campaign)["campaign"]["solutionVersionArn"] == newer
    runtime = emulator.client("personalize-runtime")
    assert runtime.get_recommendations(campaignArn=campaign, userId="u3")["itemList"]
