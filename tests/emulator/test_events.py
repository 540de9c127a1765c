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
