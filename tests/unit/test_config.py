import pytest

from stacks.config import ConfigError, parse
from tests.helpers.config_cases import BAD, GOOD, ROLE


def test_defaults_are_applied():
    config = parse("dev", {"experiments": [GOOD]})
    [experiment] = config.experiments
    assert (experiment.min_provisioned_tps, experiment.training_mode, experiment.event_tracker) == (1, "FULL", False)
    assert experiment.recipe_arn == "arn:aws:personalize:::recipe/aws-popularity-count"
    assert (config.storage.bucket_name, config.storage.role_arn, config.connection.endpoint) == (None, None, None)


def test_a_full_experiment_is_read():
    config = parse(
        "dev",
        {
            "connection": {"region": "eu-west-1", "endpoint": "http://127.0.0.1:4599"},
            "storage": {"bucketName": "lake", "roleArn": ROLE},
            "waits": {"createSeconds": 60},
            "experiments": [
                dict(
                    GOOD,
                    recipe="aws-user-personalization",
                    trainingMode="UPDATE",
                    eventTracker=True,
                    eventType="click",
                    minProvisionedTPS=3,
                    campaignConfig={"itemExplorationConfig": {"explorationWeight": "0.1"}},
                    filters={"fresh": "INCLUDE ItemID WHERE Interactions.TIMESTAMP > 1700000000"},
                )
            ],
        },
    )
    [e] = config.experiments
    assert (e.training_mode, e.event_tracker, e.event_type, e.min_provisioned_tps) == ("UPDATE", True, "click", 3)
    assert e.filters == {"fresh": "INCLUDE ItemID WHERE Interactions.TIMESTAMP > 1700000000"}
    assert config.connection.region == "eu-west-1" and config.waits == {"createSeconds": 60}


@pytest.mark.parametrize("raw, key, value, allowed", BAD, ids=[case[1] for case in BAD])
def test_bad_config_names_stack_key_value_and_what_is_allowed(raw, key, value, allowed):
    with pytest.raises(ConfigError) as error:
        parse("staging", raw)
    message = str(error.value)
    assert message.startswith(f"stack 'staging': config key {key!r} has value {value!r}; allowed: ")
    assert allowed in message
    assert error.value.key == key


def test_v2_recipes_take_an_events_config():
    events = {"eventParametersList": [{"eventType": "purchase", "weight": 0.9}]}
    for recipe in ("aws-user-personalization-v2", "aws-personalized-ranking-v2"):
        [e] = parse(
            "dev", {"experiments": [dict(GOOD, recipe=recipe, solutionConfig={"eventsConfig": events})]}
        ).experiments
        assert e.solution_config == {"eventsConfig": events}
