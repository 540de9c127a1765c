import pytest

from stacks.config import ConfigError, parse

GOOD = {"name": "popular", "recipe": "aws-popularity-count", "datasetVersion": "v1"}


def test_defaults_are_applied():
    config = parse("dev", {"experiments": [GOOD]})
    [experiment] = config.experiments
    assert experiment.min_provisioned_tps == 1
    assert experiment.recipe_arn == "arn:aws:personalize:::recipe/aws-popularity-count"
    assert config.storage.bucket_name is None


@pytest.mark.parametrize("raw, key, value, allowed", [
    ({}, "experiments", None, "a non-empty list of experiments"),
    ({"experiments": []}, "experiments", [], "a non-empty list of experiments"),
    ({"experiments": [GOOD], "experiment": 1}, "personalize.experiment", 1, "one of the keys experiments, storage, recordStore"),
    ({"experiments": [dict(GOOD, recipee="x")]}, "experiments[0].recipee", "x", "one of the keys name, recipe, datasetVersion, minProvisionedTPS"),
    ({"experiments": [dict(GOOD, recipe="aws-nope")]}, "experiments[0].recipe", "aws-nope", "aws-user-personalization"),
    ({"experiments": [dict(GOOD, minProvisionedTPS=0)]}, "experiments[0].minProvisionedTPS", 0, "an integer of at least 1"),
    ({"experiments": [dict(GOOD, minProvisionedTPS="2")]}, "experiments[0].minProvisionedTPS", "2", "an integer of at least 1"),
    ({"experiments": [dict(GOOD, minProvisionedTPS=True)]}, "experiments[0].minProvisionedTPS", True, "an integer of at least 1"),
    ({"experiments": [{k: v for k, v in GOOD.items() if k != "datasetVersion"}]}, "experiments[0].datasetVersion", None, "a non-empty string (required)"),
    ({"experiments": [GOOD, GOOD]}, "experiments[1].name", "popular", "a name no other experiment of this stack uses"),
    ({"experiments": [GOOD], "storage": {"bucketName": ""}}, "storage.bucketName", "", "the name of an existing bucket"),
    ({"experiments": [GOOD], "storage": {"bucket": "x"}}, "storage.bucket", "x", "one of the keys bucketName"),
    ({"experiments": ["popular"]}, "experiments[0]", "popular", "a mapping"),
])
def test_bad_config_names_stack_key_value_and_what_is_allowed(raw, key, value, allowed):
    with pytest.raises(ConfigError) as error:
        parse("staging", raw)
    message = str(error.value)
    assert message.startswith(f"stack 'staging': config key {key!r} has value {value!r}; allowed: ")
    assert allowed in message
    assert error.value.key == key
