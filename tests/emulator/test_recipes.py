"""Recipe rules personalize-local enforces at the call where the service refuses,
each from AWS's documentation (the pages are listed in local/recipes.py):

- trainingMode UPDATE only for User-Personalization (API_CreateSolutionVersion.html);
- campaignConfig.itemExplorationConfig only for User-Personalization
  (API_CampaignConfig.html; use-case-recipe-features.html: v2 explores by itself);
- solutionConfig.eventsConfig only for the v2 recipes (optimizing-solution-events-config.html);
- performIncrementalUpdate only for Semantic-Similarity (API_SolutionUpdateSummary.html);
- Similar-Items trains only with an Items dataset (items-datasets.html)."""

import pytest

from tests.helpers.emulator import train

RECIPE = "arn:aws:personalize:::recipe/"
EVENTS = {"eventParametersList": [{"eventType": "click", "weight": 0.5}]}


def refused(p, call, *words):
    with pytest.raises(p.exceptions.InvalidInputException) as raised:
        call()
    message = str(raised.value)
    assert all(word in message for word in words), message


def test_update_training_is_refused_for_user_personalization_v2(emulator, p, trained, unique):
    arns = train(emulator, trained["group"], f"v2-{unique}", recipe="aws-user-personalization-v2")
    # Refused even with an ACTIVE version to update: the recipe has no UPDATE mode.
    refused(
        p,
        lambda: p.create_solution_version(solutionArn=arns["solution"], trainingMode="UPDATE"),
        "aws-user-personalization-v2",
        "trainingMode UPDATE",
    )
    versions = p.list_solution_versions(solutionArn=arns["solution"])["solutionVersions"]
    assert [v["solutionVersionArn"] for v in versions] == [arns["version"]]  # nothing was started


def test_exploration_is_refused_for_a_v2_campaign_at_create_and_at_update(emulator, p, trained, unique):
    arns = train(emulator, trained["group"], f"v2c-{unique}", recipe="aws-user-personalization-v2")
    exploration = {"itemExplorationConfig": {"explorationWeight": "0.3", "explorationItemAgeCutOff": "30"}}
    refused(
        p,
        lambda: p.create_campaign(name=f"v2c-{unique}", solutionVersionArn=arns["version"], campaignConfig=exploration),
        "aws-user-personalization-v2",
        "itemExplorationConfig",
    )
    campaign = p.create_campaign(name=f"v2c-{unique}", solutionVersionArn=arns["version"])["campaignArn"]
    emulator.advance()
    refused(
        p,
        lambda: p.update_campaign(campaignArn=campaign, campaignConfig=exploration),
        "aws-user-personalization-v2",
        "itemExplorationConfig",
    )
    assert p.describe_campaign(campaignArn=campaign)["campaign"]["status"] == "ACTIVE"  # no update began


def test_exploration_is_taken_for_user_personalization(emulator, p, trained, unique):
    campaign = p.create_campaign(
        name=f"up-{unique}",
        solutionVersionArn=trained["version"],
        campaignConfig={"itemExplorationConfig": {"explorationWeight": "0.1"}},
    )["campaignArn"]
    emulator.advance()
    described = p.describe_campaign(campaignArn=campaign)["campaign"]
    assert described["campaignConfig"]["itemExplorationConfig"] == {"explorationWeight": "0.1"}


def test_events_config_is_refused_for_user_personalization_and_taken_for_v2(emulator, p, trained, unique):
    group = trained["group"]
    refused(
        p,
        lambda: p.create_solution(
            name=f"ev-{unique}",
            datasetGroupArn=group,
            recipeArn=RECIPE + "aws-user-personalization",
            solutionConfig={"eventsConfig": EVENTS},
        ),
        "aws-user-personalization",
        "eventsConfig",
    )
    v2 = p.create_solution(
        name=f"ev2-{unique}",
        datasetGroupArn=group,
        recipeArn=RECIPE + "aws-user-personalization-v2",
        solutionConfig={"eventsConfig": EVENTS},
    )["solutionArn"]
    emulator.advance()
    assert p.describe_solution(solutionArn=v2)["solution"]["solutionConfig"]["eventsConfig"] == EVENTS
    refused(
        p,
        lambda: p.update_solution(solutionArn=trained["solution"], solutionUpdateConfig={"eventsConfig": EVENTS}),
        "aws-user-personalization",
        "eventsConfig",
    )


def test_incremental_updates_are_refused_for_a_recipe_other_than_semantic_similarity(p, trained, unique):
    refused(
        p,
        lambda: p.create_solution(
            name=f"inc-{unique}",
            datasetGroupArn=trained["group"],
            recipeArn=RECIPE + "aws-user-personalization",
            performIncrementalUpdate=True,
        ),
        "aws-user-personalization",
        "performIncrementalUpdate",
    )
    refused(
        p,
        lambda: p.update_solution(solutionArn=trained["solution"], performIncrementalUpdate=True),
        "aws-user-personalization",
        "performIncrementalUpdate",
    )


def test_similar_items_does_not_train_without_an_items_dataset(emulator, p, trained, unique):
    solution = p.create_solution(
        name=f"si-{unique}", datasetGroupArn=trained["group"], recipeArn=RECIPE + "aws-similar-items"
    )["solutionArn"]
    emulator.advance()
    refused(p, lambda: p.create_solution_version(solutionArn=solution), "aws-similar-items", "ITEMS dataset")
