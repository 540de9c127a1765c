"""The one walk over botocore's shapes that both the providers and the
emulator word in their own way."""

import botocore.session

from servicemodel.constraints import violations

MODEL = botocore.session.get_session().get_service_model("personalize")


def found(op: str, request: dict, **options) -> set[tuple]:
    return {(v.path, v.constraint) for v in violations(MODEL.operation_model(op).input_shape, request, **options)}


def test_each_kind_of_constraint_is_reported_at_its_path():
    assert found("CreateCampaign", {"name": "a b", "minProvisionedTPS": 0}) == {
        (("name",), "pattern"),
        (("minProvisionedTPS",), "min"),
        (("solutionVersionArn",), "required"),
    }
    assert found(
        "CreateDatasetImportJob",
        {
            "jobName": "j",
            "datasetArn": "arn:aws:personalize:us-east-1:1:dataset/g/I",
            "dataSource": {"dataLocation": "s3://b/k"},
            "importMode": "SOMETIMES",
        },
    ) == {(("importMode",), "enum")}
    assert found("CreateDatasetGroup", {"name": "g" * 64, "tags": [{"tagKey": "k"}]}) == {
        (("name",), "max_length"),
        (("tags", 0, "tagValue"), "required"),
    }
    assert found(
        "CreateCampaign",
        {
            "name": "c",
            "solutionVersionArn": "arn:aws:personalize:us-east-1:1:solution/s/1",
            "campaignConfig": {"itemExplorationConfig": {"k" * 257: "v"}},
        },
    ) == {(("campaignConfig", "itemExplorationConfig", ("key", "k" * 257)), "max_length")}


def test_wrong_types_stop_the_walk_and_booleans_are_not_numbers():
    assert found("CreateCampaign", {"name": 5, "solutionVersionArn": "x" * 0 or None, "minProvisionedTPS": True}) == {
        (("name",), "type"),
        (("minProvisionedTPS",), "type"),
        (("solutionVersionArn",), "required"),
    }


def test_unknown_members_and_skipped_values_are_the_callers_choice():
    request = {"name": "?", "solutionVersionArn": "?", "colour": "red"}
    assert found("CreateCampaign", request) == {(("name",), "pattern"), (("solutionVersionArn",), "pattern")}
    assert found("CreateCampaign", request, skip=lambda v: v == "?", unknown_members=True) == {
        (("colour",), "unknown_member")
    }
