"""The deploy and preview policies (stacks/ci_policies.py) grant every call the
program makes, as it makes them: every provider driven through create, read,
adoption, in-place updates, tags and delete against personalize-local, with the
paths only some types take (a recommender stopped and started, a training
stopped, a solution kept for the campaign that serves it and released, the
promotion gate scoring on the validation set, the preview's checks of a brought
bucket). Each operation botocore sends for the project's own clients is
recorded and put to the policy with IAM's evaluation (local/access.py).

Why recorded and not read from the source: the service core calls most
operations by names it builds from the specs at run time
(`getattr(api, snake(spec.create_op))`), which no scan of the source sees, and
the set must not come from the specs, which generate the policies. What is
recorded is what botocore sent, whatever built the name. Which actions IAM
scopes to a resource comes from parliament's copy of the Service Authorization
Reference, not from the generator either."""

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from parliament import iam_definition

import service.client
from local.access import decide
from providers.campaign import CampaignProvider
from providers.dataset_import_job import DatasetImportJobProvider
from providers.notice import NoticeProvider
from providers.schema import SchemaProvider
from providers.solution import SolutionProvider
from providers.solution_version import SolutionVersionProvider
from service import connection, specs
from servicemodel.requests import SERVICE, operation
from stacks import accounts, datasets
from stacks.ci_policies import Messaging, deploy_policy, preview_policy
from stacks.config import parse
from tests.helpers.data import INTERACTIONS_SCHEMA
from tests.helpers.providers import create, update
from tests.providers.test_notice import cost, decision

# The fixtures of the lifecycle and promotion tests, shared rather than written twice.
from tests.service.test_each_resource import (  # noqa: F401
    CASES,
    interrupted_create,
    parents,
    props_for,
    users_schema,
)
from tests.service.test_promotion import Experiment, group  # noqa: F401
from tests.service.test_promotion import decide as gate_decides

# What both modules raise, for the same reasons (see theirs).
EMULATOR_QUOTAS = {"activeDatasetGroups": 20, "recommenders": 20, "activeCampaigns": 20, "activeSolutions": 20}
ACCOUNT, REGION = "123456789012", "us-east-1"  # personalize-local's account (local/server.py)
SERVICE_PRINCIPAL = "personalize.amazonaws.com"
# botocore's S3 operations the program calls, and the IAM action each is authorized by
# (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html;
# HeadObject by s3:GetObject: https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html).
S3_ACTIONS = {
    "GetObject": "s3:GetObject",
    "HeadObject": "s3:GetObject",
    "PutObject": "s3:PutObject",
    "ListObjectsV2": "s3:ListBucket",
}
# One in-place change of each updatable type's members (service/specs.py `updatable`).
USERS_V2 = json.dumps(
    {
        "type": "record",
        "name": "Users",
        "namespace": "com.amazonaws.personalize.schema",
        "version": "1.0",
        "fields": [
            {"name": "USER_ID", "type": "string"},
            {"name": "AGE", "type": ["null", "int"]},
            {"name": "TIER", "type": ["null", "string"]},
        ],
    }
)
MORE_METRICS = [
    {"eventType": "click", "metricName": "clicks", "expression": "SAMPLECOUNT()"},
    {"eventType": "buy", "metricName": "buys", "expression": "SAMPLECOUNT()"},
]


@dataclass
class Call:
    service: str  # botocore's: personalize, s3
    operation: str
    params: dict[str, Any]
    phase: str  # "preview": made by a read, a diff or a preview check; "up": any other
    parsed: dict[str, Any] = field(default_factory=dict)


class Recorder:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.phase = "up"

    def attach(self, made: Any) -> Any:
        name = made.meta.service_model.service_name

        def before(params: dict, model: Any, **_: Any) -> None:
            self.calls.append(Call(name, model.name, dict(params), self.phase))

        def after(parsed: dict, model: Any, **_: Any) -> None:
            if self.calls and self.calls[-1].operation == model.name:
                self.calls[-1].parsed = parsed or {}

        made.meta.events.register("before-parameter-build", before)
        made.meta.events.register("after-call", after)
        return made

    @contextmanager
    def previewing(self) -> Iterator[None]:
        self.phase = "preview"
        try:
            yield
        finally:
            self.phase = "up"


@pytest.fixture(scope="module", autouse=True)
def recorder():
    """Every client the project makes (service.client.client, wherever it was imported,
    and the preview checks' S3 client) records what it sends; the tests' own do not."""
    recording = Recorder()
    made = service.client.client
    with pytest.MonkeyPatch.context() as patch:
        for module in list(sys.modules.values()):
            if getattr(module, "client", None) is made:
                patch.setattr(module, "client", lambda *a, **k: recording.attach(made(*a, **k)))
        preview_s3 = datasets._s3
        patch.setattr(datasets, "_s3", lambda stack: recording.attach(preview_s3(stack)))
        yield recording


def lifecycle_of_every_type(recorder: Recorder, conn: dict, ids: dict) -> None:
    changes = {
        "Solution": {"performAutoTraining": True},
        "Campaign": {"minProvisionedTPS": 2},
        "Recommender": {"recommenderConfig": {"minRecommendationRequestsPerSecond": 2}},
        "MetricAttribution": {"metrics": MORE_METRICS},
        "Dataset": {"schemaArn": create(SchemaProvider(), conn, name="calls-users-v2", schema=USERS_V2)[0]},
    }
    for kind in CASES:
        provider_class, props = props_for(kind, ids, conn, f"calls-{kind.lower()}")
        provider = provider_class()
        arn, outs = create(provider, conn, **props)
        with recorder.previewing():
            read = provider.read(arn, outs)
            provider.diff(arn, read.outs, read.inputs)
        create(provider_class(), conn, **props)  # adopted: the name is taken
        if provider.spec.taggable:
            outs = update(provider, outs, tags=[{"tagKey": "team", "tagValue": "recs"}])
            outs = update(provider, outs, tags=[])
        if kind in changes:
            outs = update(provider, outs, **changes[kind])
        if kind == "Recommender":
            outs = update(provider, outs, active=False)
            outs = update(provider, outs, active=True)
        provider.delete(arn, outs)


def paths_of_some_types(conn: dict, ids: dict, seeded: dict) -> None:
    # A training deleted while it runs is stopped.
    running = interrupted_create(SolutionVersionProvider, conn, solutionArn=ids["solution"], name="calls-stopped")
    SolutionVersionProvider().delete(running, {**conn, "solutionArn": ids["solution"]})
    # An INCREMENTAL import looks for an earlier ACTIVE one; one not waited for looks at the campaigns.
    create(
        DatasetImportJobProvider(),
        conn,
        jobName="calls-incremental",
        importMode="INCREMENTAL",
        waitUnlessServing="nobody",
        datasetArn=ids["dataset"],
        roleArn=seeded["role"],
        dataSource={"dataLocation": f"s3://{seeded['bucket']}/datasets/v2/interactions.csv"},
    )


def gate_on_the_validation_set(conn: dict, seeded: dict, group: dict) -> None:  # noqa: F811
    """A campaign's champion against a challenger on the held-out data, then the
    champion's solution replaced while the campaign serves it: kept, then released."""
    experiment = Experiment(conn, seeded, group)
    solution, _ = create(
        SolutionProvider(),
        conn,
        name="calls-gated",
        datasetGroupArn=group["group"],
        recipeArn="arn:aws:personalize:::recipe/aws-popularity-count",
    )
    champion = experiment.train("uniform", solution=solution)
    _, campaign = create(CampaignProvider(), conn, name="calls-gated", solutionVersionArn=champion["arn"])
    challenger = experiment.train("skewed", solution=solution)
    validation = {"bucket": seeded["bucket"], "datasetVersion": "skewed", "roleArn": seeded["role"], "maxUsers": 20}
    served = {"name": "calls-gated"}
    outs = gate_decides(
        conn,
        seeded,
        served,
        challengerArn=challenger["arn"],
        challengerStatus="ACTIVE",
        metric="validation.ndcg_at_10",
        validation=validation,
        minUsers=10,  # the 20 validation users decide (the default 50 would leave it inconclusive)
    )
    assert outs["decision"] in ("promote", "reject", "inconclusive"), outs
    assert outs["evidence"]["users"] == 20, outs
    SolutionProvider().delete(solution, {**conn})  # still served: kept, tagged
    CampaignProvider().delete(campaign["arn"], campaign)  # which releases it


def preview_checks_of_a_brought_bucket(recorder: Recorder, conn: dict, seeded: dict, aws: Any) -> None:
    s3, version = aws("s3"), "calls"
    s3.put_object(
        Bucket=seeded["bucket"], Key=f"datasets/{version}/schemas/interactions.json", Body=INTERACTIONS_SCHEMA
    )
    manifest = {
        "datasets": {"interactions": {"file": "interactions.csv", "schema": "schemas/interactions.json"}},
        "training": {"event_types": ["click"]},
    }
    s3.put_object(Bucket=seeded["bucket"], Key=f"datasets/{version}/manifest.json", Body=json.dumps(manifest))
    stack = parse(
        "dev",
        {
            "connection": {"region": REGION, "endpoint": conn["endpoint"]},
            "storage": {"bucketName": seeded["bucket"], "roleArn": seeded["role"]},
            "datasetGroups": [{"name": "retail", "datasetVersion": version}],
            "experiments": [
                {
                    "name": "popular",
                    "recipe": "aws-popularity-count",
                    "datasetGroup": "retail",
                    "eventType": "click",
                    "batchInference": {"inputKey": "batch-input/each.jsonl"},
                }
            ],
        },
    )
    with recorder.previewing():
        accounts.check_one_account(stack)  # sts:GetCallerIdentity, the bucket owner's listing
        datasets.check_brought_bucket(stack)


@pytest.fixture(scope="module")
def recorded(recorder, conn, seeded, aws, users_schema, group) -> list[Call]:  # noqa: F811
    lifecycle_of_every_type(recorder, conn, users_schema)
    paths_of_some_types(conn, users_schema, seeded)
    gate_on_the_validation_set(conn, seeded, group)
    preview_checks_of_a_brought_bucket(recorder, conn, seeded, aws)
    return recorder.calls


def _unscoped_in_iam(action: str) -> bool:
    """True when the Service Authorization Reference (parliament's copy) gives the
    action no resource type: IAM then evaluates it against "*"."""
    prefix, _, name = action.partition(":")
    [service_] = [s for s in iam_definition if s["prefix"] == prefix]
    [privilege] = [p for p in service_["privileges"] if p["privilege"] == name]
    return all(not r["resource_type"] for r in privilege["resource_types"])


def _made(call: Call) -> str | None:
    made = [v for k, v in call.parsed.items() if k.endswith("Arn") and isinstance(v, str)]
    return made[0] if call.operation.startswith("Create") and made else None


def _arn_of(call: Call, calls: list[Call]) -> str | None:
    """The ARN of the resource the call acts on: for a create the one it made (or,
    refused as the name is taken, the one an earlier create of the same request
    made), else the required ARN member of the request (DescribeCampaign's campaignArn)."""
    if call.operation.startswith("Create"):
        return _made(call) or next(
            (_made(c) for c in calls if c.operation == call.operation and c.params == call.params and _made(c)), None
        )
    # The required ARN member, or (UpdateMetricAttribution's is optional in the model) the first one given.
    required = operation(SERVICE, call.operation).input_shape.required_members
    members = [k for k in required if k in call.params] + list(call.params)
    return next((call.params[k] for k in members if k.endswith("Arn") and isinstance(call.params[k], str)), None)


def _role_arns(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "roleArn" and isinstance(inner, str):
                yield inner
            else:
                yield from _role_arns(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _role_arns(inner)


def iam_requests(call: Call, calls: list[Call]) -> list[tuple[str, str, dict[str, str]]]:
    """(action, resource, context) IAM authorizes the call by."""
    if call.service == "s3":
        assert call.operation in S3_ACTIONS, f"S3 {call.operation}: add its IAM action to S3_ACTIONS"
        bucket, key = call.params["Bucket"], call.params.get("Key")
        if key is None:
            prefix = call.params.get("Prefix")
            return [(S3_ACTIONS[call.operation], f"arn:aws:s3:::{bucket}", {"s3:prefix": prefix} if prefix else {})]
        return [(S3_ACTIONS[call.operation], f"arn:aws:s3:::{bucket}/{key}", {})]
    if call.service == "sts":  # who the calls run as: no resource (the account check, stacks/accounts.py)
        return [(f"sts:{call.operation}", "*", {})]
    if call.service == "sns":  # a notice published to the stack's topic (providers/notice.py)
        assert call.operation == "Publish", call.operation
        return [("sns:Publish", call.params["TopicArn"], {})]
    assert call.service == "personalize", call.service
    action = f"personalize:{call.operation}"
    requests = [(action, "*" if _unscoped_in_iam(action) else (_arn_of(call, calls) or "*"), {})]
    # Dependent actions (the Service Authorization Reference's table for Personalize):
    # a create with tags also takes personalize:TagResource, a request naming a role
    # iam:PassRole, passed to Personalize.
    if call.operation.startswith("Create") and call.params.get("tags"):
        requests.append(("personalize:TagResource", "*", {}))
    requests += [
        ("iam:PassRole", role, {"iam:PassedToService": SERVICE_PRINCIPAL}) for role in set(_role_arns(call.params))
    ]
    return requests


def refused(policy: dict, calls: list[Call]) -> list[str]:
    return sorted(
        {
            f"{call.service}:{call.operation} -> {action} on {resource}"
            for call in calls
            for action, resource, context in iam_requests(call, calls)
            if decide([policy], action, resource, context) != "allow"
        }
    )


def test_the_deploy_policy_allows_every_call_the_program_makes(recorded, seeded):
    policy = deploy_policy(ACCOUNT, REGION, seeded["bucket"], seeded["role"])
    assert refused(policy, recorded) == []


def test_the_deploy_policy_of_a_stack_that_creates_its_storage_allows_them_too(recorded, seeded):
    # Before the first `up` the bucket's and role's names are known only by their prefix;
    # the emulator's are other names, so the data calls are put to the policy renamed.
    policy = deploy_policy(ACCOUNT, REGION, creates_storage=True)
    role = seeded["role"].rsplit("/", 1)[0] + "/data-personalize-role-abc123"
    as_created = json.loads(
        json.dumps([c.__dict__ for c in recorded], default=str)
        .replace(seeded["role"], role)
        .replace(seeded["bucket"], "data-bucket-x1")
    )
    assert refused(policy, [Call(**c) for c in as_created]) == []


def test_the_preview_policy_allows_every_read_a_preview_makes(recorded, seeded):
    previewed = [c for c in recorded if c.phase == "preview"]
    assert {c.service for c in previewed} == {"personalize", "s3", "sts"}
    assert refused(preview_policy(seeded["bucket"], ACCOUNT, REGION), previewed) == []


def test_the_preview_policy_refuses_every_write_of_up(recorded, seeded):
    # The evaluation above can refuse: each create, update, delete, tag, stop and start,
    # and each object the gate writes, is refused to the preview role.
    policy = preview_policy(seeded["bucket"], ACCOUNT, REGION)
    writes = [c for c in recorded if not c.operation.startswith(("Describe", "List", "Get", "Head"))]
    assert {c.operation for c in writes} >= {"CreateCampaign", "UpdateCampaign", "DeleteCampaign", "PutObject"}
    assert [f"{c.service}:{c.operation}" for c in writes if not refused(policy, [c])] == []


def test_every_operation_the_specs_name_was_called(recorded):
    # The other way round: the policies grant no Personalize operation the program was not
    # seen to call, so the driving above reaches every one (a new one must be driven too).
    called = {c.operation for c in recorded if c.service == "personalize"}
    named = {op for spec in specs.ALL for op in spec.operations}
    assert named - called == set()


@pytest.fixture(scope="module")
def noticed(recorder, aws) -> tuple[str, list[Call]]:
    """A gate decision and a cost change told to a topic at `up` (the notifications):
    the topic's ARN and the calls they made."""
    topic = aws("sns").create_topic(Name="team-alerts")["TopicArn"]
    before = len(recorder.calls)
    where = {"stack": "dev", "topicArn": topic, "webhookUrl": "", "region": REGION}
    # A notice reaches SNS by the stack's connection (aws:endpoints), as the engine configures it;
    # tests/conftest.py puts the default one back after the test.
    connection.use(connection.Connection(endpoints=(("sns", aws("sns").meta.endpoint_url),)))
    for kind, event in (("gate-decision", decision()), ("cost-change", cost(146.0, shop=146.0))):
        assert NoticeProvider().create({**where, "kind": kind, "event": event}).outs["delivered"] is True
    calls = recorder.calls[before:]
    # Not among what `recorded` holds (the same list), whichever fixture ran first: the
    # other policies are put to the program's calls without notifications.
    del recorder.calls[before:]
    return topic, calls


def test_the_deploy_policy_of_a_stack_with_notifications_allows_what_they_send(noticed, seeded):
    topic, calls = noticed
    assert [c.operation for c in calls] == ["Publish", "Publish"]
    # Refused without the notifications' grant, allowed with it (a topic it names, or one it creates).
    assert refused(deploy_policy(ACCOUNT, REGION, seeded["bucket"], seeded["role"]), calls) != []
    for messaging in (Messaging(topic=topic, notifications=True), Messaging(topic="created", notifications=True)):
        as_created = (
            calls
            if messaging.topic == topic
            else [
                Call(
                    c.service,
                    c.operation,
                    {**c.params, "TopicArn": topic.replace("team-alerts", "notifications-topic-1a")},
                    c.phase,
                )
                for c in calls
            ]
        )
        assert (
            refused(deploy_policy(ACCOUNT, REGION, seeded["bucket"], seeded["role"], messaging=messaging), as_created)
            == []
        )
