from providers.preview import UNKNOWN, is_unknown
from servicemodel.requests import build_request, validate_request


def test_required_pattern_and_range_are_named_by_member():
    problems = dict(validate_request("personalize", "CreateCampaign", {"name": "a b", "minProvisionedTPS": 0}))
    assert problems["solutionVersionArn"] == "is required"
    assert "must match the pattern" in problems["name"]
    assert problems["minProvisionedTPS"] == "value 0 is below the minimum 1"


def test_nested_members_enums_and_unknown_keys():
    problems = dict(
        validate_request(
            "personalize",
            "CreateDatasetImportJob",
            {
                "jobName": "j",
                "datasetArn": "arn:aws:personalize:us-east-1:1:dataset/g/INTERACTIONS",
                "dataSource": {"dataLocation": "s3://b/p", "colour": "red"},
                "importMode": "SOMETIMES",
            },
        )
    )
    assert "not one of FULL, INCREMENTAL" in problems["importMode"]
    assert problems["dataSource.colour"].startswith("is not a member")


def test_lists_maps_and_lengths():
    problems = dict(
        validate_request("personalize", "CreateDatasetGroup", {"name": "g" * 64, "tags": [{"tagKey": "k"}]})
    )
    assert problems["name"] == "must have at least 1 characters, has 64".replace("at least 1", "at most 63")
    assert problems["tags[0].tagValue"] == "is required"


def test_unknown_values_are_not_judged_during_preview():
    assert (
        validate_request(
            "personalize", "CreateCampaign", {"name": UNKNOWN, "solutionVersionArn": UNKNOWN}, skip=is_unknown
        )
        == []
    )


def test_requests_drop_foreign_inputs_and_restore_integers():
    request = build_request(
        "personalize",
        "CreateCampaign",
        {"name": "c", "minProvisionedTPS": 2.0, "region": "us-east-1", "campaignConfig": None},
    )
    assert request == {"name": "c", "minProvisionedTPS": 2}
    assert isinstance(request["minProvisionedTPS"], int)
