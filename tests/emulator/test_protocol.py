"""One port for every service; requests checked against botocore's model;
errors as botocore expects them; ARNs in the service's formats."""

import json
import re

import botocore.exceptions
import pytest

from tests.helpers.data import INTERACTIONS_SCHEMA

ARN = "arn:aws:personalize:us-east-1:123456789012:"


def test_health_endpoint_answers_json(emulator):
    health = emulator.local("/_local/health")
    assert health["status"] == "ok" and health["endpoint"] == emulator.endpoint


def test_s3_iam_and_sts_are_served_by_moto_on_the_same_port(emulator, unique):
    s3 = emulator.client("s3")
    s3.create_bucket(Bucket=f"proto-{unique}")
    s3.put_object(Bucket=f"proto-{unique}", Key="a/b.txt", Body=b"hello")
    assert s3.get_object(Bucket=f"proto-{unique}", Key="a/b.txt")["Body"].read() == b"hello"
    role = emulator.client("iam").create_role(RoleName=f"proto-{unique}", AssumeRolePolicyDocument="{}")
    assert role["Role"]["Arn"] == f"arn:aws:iam::123456789012:role/proto-{unique}"
    assert emulator.client("sts").get_caller_identity()["Account"] == "123456789012"


@pytest.mark.parametrize(
    "call, member, constraint",
    [
        (lambda p: p.create_dataset_group(name="has space"), "name", "regular expression pattern"),
        (lambda p: p.create_dataset_group(name="x" * 64), "name", "length less than or equal to 63"),
        (lambda p: p.list_dataset_groups(maxResults=101), "maxResults", "value less than or equal to 100"),
        (lambda p: p.list_dataset_groups(maxResults=0), "maxResults", "value greater than or equal to 1"),
        (
            lambda p: p.create_solution_version(solutionArn=ARN + "solution/x", trainingMode="SOMETIMES"),
            "trainingMode",
            "enum value set: [FULL, UPDATE, AUTOTRAIN]",
        ),
        (
            lambda p: p.create_dataset_group(name="ok", tags=[{"tagKey": "", "tagValue": "v"}]),
            "tags.1.member.tagKey",
            "length greater than or equal to 1",
        ),
    ],
)
def test_validation_names_the_member_and_the_constraint(emulator, call, member, constraint):
    # botocore checks min lengths and ranges itself; off, so the server's answer shows.
    p = emulator.client("personalize", parameter_validation=False)
    with pytest.raises(p.exceptions.InvalidInputException) as raised:
        call(p)
    message = raised.value.response["Error"]["Message"]
    assert message.startswith("1 validation error detected: Value ")
    assert f"at '{member}' failed to satisfy constraint: Member must" in message
    assert constraint in message


def test_missing_required_members_are_reported_by_the_server(emulator):
    # botocore validates client-side too; turn that off to see the server's answer.
    p = emulator.client("personalize", parameter_validation=False)
    with pytest.raises(p.exceptions.InvalidInputException) as raised:
        p.create_dataset(name="d")
    message = raised.value.response["Error"]["Message"]
    assert message.startswith("3 validation errors detected:")
    for member in ("schemaArn", "datasetGroupArn", "datasetType"):
        assert f"Value null at '{member}' failed to satisfy constraint: Member must not be null" in message


def test_control_plane_errors_are_json_1_1_with_status_400(p):
    with pytest.raises(p.exceptions.ResourceNotFoundException) as raised:
        p.describe_dataset_group(datasetGroupArn=ARN + "dataset-group/never-created")
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert "never-created" in raised.value.response["Error"]["Message"]


def test_runtime_errors_carry_the_models_status_codes(emulator):
    runtime = emulator.client("personalize-runtime")
    with pytest.raises(runtime.exceptions.ResourceNotFoundException) as raised:
        runtime.get_recommendations(campaignArn=ARN + "campaign/none", userId="u1")
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    with pytest.raises(runtime.exceptions.InvalidInputException) as raised:
        runtime.get_recommendations(campaignArn="not-an-arn", userId="u1")
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert "at 'campaignArn'" in raised.value.response["Error"]["Message"]
    with pytest.raises(runtime.exceptions.ResourceNotFoundException):
        runtime.get_personalized_ranking(campaignArn=ARN + "campaign/none", userId="u1", inputList=["i1"])


def test_events_errors_carry_the_models_status_codes(emulator):
    events = emulator.client("personalize-events")
    with pytest.raises(events.exceptions.ResourceNotFoundException) as raised:
        events.put_events(
            trackingId="no-such-tracker",
            sessionId="s",
            userId="u1",
            eventList=[{"eventType": "click", "itemId": "i1", "sentAt": 1_700_000_000}],
        )
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    with pytest.raises(events.exceptions.ResourceNotFoundException):
        events.put_items(datasetArn=ARN + "dataset/none/ITEMS", items=[{"itemId": "i1"}])
    with pytest.raises(events.exceptions.InvalidInputException) as raised:
        events.put_users(datasetArn=ARN + "dataset/none/USERS", users=[{"userId": "u1"}] * 11)
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert (
        "at 'users' failed to satisfy constraint: Member must have length less than or equal to 10"
        in raised.value.response["Error"]["Message"]
    )


def test_every_operation_of_the_personalize_model_is_answered(emulator):
    """Since the data deletion and batch segment jobs (issue 14), no control-plane operation
    of botocore's model is left to answer UnsupportedOperation (the code an operation the
    emulator lacks gets): each one sent with an empty request is answered, or refused for
    its missing parameters, by its own handler."""
    raw = emulator.client("personalize", parameter_validation=False, retries={"max_attempts": 1})
    unsupported = []
    for operation in raw.meta.service_model.operation_names:
        try:
            getattr(raw, botocore.xform_name(operation))()
        except botocore.exceptions.ClientError as error:
            if error.response["Error"]["Code"] == "UnsupportedOperation":
                unsupported.append(operation)
    assert unsupported == []


def test_arns_follow_the_service_formats(emulator, p, unique, data_bucket):
    group = p.create_dataset_group(name=f"arns-{unique}")["datasetGroupArn"]
    assert group == f"{ARN}dataset-group/arns-{unique}"
    schema = p.create_schema(name=f"arns-{unique}", schema=INTERACTIONS_SCHEMA)["schemaArn"]
    assert schema == f"{ARN}schema/arns-{unique}"
    emulator.advance()
    dataset = p.create_dataset(
        name=f"arns-{unique}", schemaArn=schema, datasetGroupArn=group, datasetType="Interactions"
    )["datasetArn"]
    assert dataset == f"{ARN}dataset/arns-{unique}/INTERACTIONS"
    tracker = p.create_event_tracker(name=f"arns-{unique}", datasetGroupArn=group)
    assert re.fullmatch(re.escape(ARN) + r"event-tracker/[0-9a-f]{8}", tracker["eventTrackerArn"])
    flt = p.create_filter(
        name=f"arns-{unique}",
        datasetGroupArn=group,
        filterExpression='EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("purchase")',
    )
    assert flt["filterArn"] == f"{ARN}filter/arns-{unique}"
    emulator.advance()
    job = p.create_dataset_import_job(
        jobName=f"arns-{unique}",
        datasetArn=dataset,
        roleArn=data_bucket["role"],
        dataSource={"dataLocation": f"s3://{data_bucket['bucket']}/interactions/"},
    )
    assert job["datasetImportJobArn"] == f"{ARN}dataset-import-job/arns-{unique}"
    solution = p.create_solution(name=f"arns-{unique}", datasetGroupArn=group)["solutionArn"]
    assert solution == f"{ARN}solution/arns-{unique}"
    emulator.advance()
    version = p.create_solution_version(solutionArn=solution)["solutionVersionArn"]
    assert re.fullmatch(re.escape(solution) + r"/[0-9a-f]{8}", version)
    recipe = p.describe_recipe(recipeArn="arn:aws:personalize:::recipe/aws-user-personalization")["recipe"]
    assert recipe["recipeArn"] == "arn:aws:personalize:::recipe/aws-user-personalization"


def test_outputs_hold_only_members_of_the_output_shape(emulator, p, unique):
    group = p.create_dataset_group(name=f"shape-{unique}")["datasetGroupArn"]
    raw = emulator.client("personalize")
    body = {}
    raw.meta.events.register(
        "after-call.personalize.DescribeDatasetGroup",
        lambda http_response, **_: body.update(json.loads(http_response.text)),
    )
    raw.describe_dataset_group(datasetGroupArn=group)
    described = body["datasetGroup"]
    assert set(described) <= {
        "name",
        "datasetGroupArn",
        "status",
        "roleArn",
        "kmsKeyArn",
        "creationDateTime",
        "lastUpdatedDateTime",
        "failureReason",
        "domain",
    }
    assert isinstance(described["creationDateTime"], float)


def test_stats_count_personalize_calls_by_operation(emulator):
    before = emulator.local("/_local/stats")["operations"].get("ListSchemas", 0)
    p = emulator.client("personalize")
    p.list_schemas()
    p.list_schemas()
    assert emulator.local("/_local/stats")["operations"]["ListSchemas"] == before + 2
