"""personalize-events: records into datasets by ARN, interactions by trackingId."""

import json

import pytest

ACTIONS_SCHEMA = json.dumps(
    {
        "type": "record",
        "name": "Actions",
        "namespace": "com.amazonaws.personalize.schema",
        "version": "1.0",
        "fields": [{"name": "ACTION_ID", "type": "string"}, {"name": "VALUE", "type": ["null", "float"]}],
    }
)
USERS_SCHEMA = json.dumps(
    {
        "type": "record",
        "name": "Users",
        "namespace": "com.amazonaws.personalize.schema",
        "version": "1.0",
        "fields": [{"name": "USER_ID", "type": "string"}, {"name": "TIER", "type": "string", "categorical": True}],
    }
)


def test_put_users_actions_and_action_interactions(emulator, unique):
    p, events = emulator.client("personalize"), emulator.client("personalize-events")
    group = p.create_dataset_group(name=f"ev-{unique}")["datasetGroupArn"]
    emulator.advance()
    users = p.create_dataset(
        name=f"ev-users-{unique}",
        datasetGroupArn=group,
        datasetType="Users",
        schemaArn=p.create_schema(name=f"ev-u-{unique}", schema=USERS_SCHEMA)["schemaArn"],
    )
    actions = p.create_dataset(
        name=f"ev-actions-{unique}",
        datasetGroupArn=group,
        datasetType="Actions",
        schemaArn=p.create_schema(name=f"ev-a-{unique}", schema=ACTIONS_SCHEMA)["schemaArn"],
    )
    tracker = p.create_event_tracker(name=f"ev-{unique}", datasetGroupArn=group)
    with pytest.raises(events.exceptions.ResourceInUseException):  # the dataset is still being created
        events.put_users(datasetArn=users["datasetArn"], users=[{"userId": "u1", "properties": '{"tier": "gold"}'}])
    emulator.advance()
    events.put_users(datasetArn=users["datasetArn"], users=[{"userId": "u1", "properties": '{"tier": "gold"}'}])
    events.put_actions(datasetArn=actions["datasetArn"], actions=[{"actionId": "a1", "properties": '{"value": 2.5}'}])
    with pytest.raises(events.exceptions.InvalidInputException):
        events.put_users(datasetArn=users["datasetArn"], users=[{"userId": "u2", "properties": "not json"}])
    events.put_action_interactions(
        trackingId=tracker["trackingId"],
        actionInteractions=[
            {"actionId": "a1", "userId": "u1", "sessionId": "s1", "eventType": "Taken", "timestamp": 1_700_000_000}
        ],
    )
    with pytest.raises(events.exceptions.ResourceNotFoundException):
        events.put_action_interactions(
            trackingId="unknown",
            actionInteractions=[
                {"actionId": "a1", "sessionId": "s1", "eventType": "Taken", "timestamp": 1_700_000_000}
            ],
        )
    events.put_events(
        trackingId=tracker["trackingId"],
        userId="u1",
        sessionId="s1",
        eventList=[
            {"eventType": "click", "itemId": "i1", "sentAt": 1_700_000_000, "properties": '{"device": "phone"}'}
        ],
    )


def test_events_of_a_groups_tracker_reach_the_next_training_of_every_solution_in_it(emulator, p, data_bucket, unique):
    """PutEvents appends to the group's Item interactions dataset
    (https://docs.aws.amazon.com/personalize/latest/dg/recording-item-interaction-events.html),
    which every solution of the group trains on: each one's next version knows the new items."""
    from tests.helpers.data import shoppers_buy_new_items
    from tests.helpers.emulator import build_group, train, with_items_dataset

    group = build_group(emulator, f"fan-{unique}", data_bucket)["group"]
    with_items_dataset(p, emulator, group, f"fan-{unique}")
    tracker = p.create_event_tracker(name=f"fan-{unique}", datasetGroupArn=group)["trackingId"]
    emulator.advance()
    runtime, events = emulator.client("personalize-runtime"), emulator.client("personalize-events")
    recipes = ("aws-popularity-count", "aws-user-personalization-v2", "aws-similar-items")
    first = {r: train(emulator, group, f"fan-{unique}-{r[4:]}", r) for r in recipes}

    def seen(recipe: str, version: str) -> set:
        """Every item the version recommends when asked for all of them."""
        campaign = p.create_campaign(name=f"fan-{unique}-{recipe[4:]}-{version[-8:]}", solutionVersionArn=version)
        emulator.advance()
        asked = {"itemId": "new-a"} if recipe == "aws-similar-items" else {"userId": "u59"}
        try:
            listed = runtime.get_recommendations(campaignArn=campaign["campaignArn"], numResults=500, **asked)
        except runtime.exceptions.InvalidInputException:  # an item the version never saw
            return set()
        return {i["itemId"] for i in listed["itemList"]}

    assert not any({"new-a", "new-b"} & seen(r, first[r]["version"]) for r in recipes)
    shoppers_buy_new_items(events, tracker)
    for recipe in recipes:
        solution = first[recipe]["solution"]
        version = p.create_solution_version(solutionArn=solution)["solutionVersionArn"]
        emulator.advance()
        assert p.describe_solution_version(solutionVersionArn=version)["solutionVersion"]["status"] == "ACTIVE"
        assert "new-b" in seen(recipe, version), recipe
