"""The completion signal (completion/) against personalize-local at real nominal
durations (time scale 1: a training takes an hour of the emulator's clock), the
clock moved on by /_local/clock, with a loopback receiver standing in for
api.github.com and the token in the emulator's Secrets Manager (moto).

The schedule is simulated: advance the clock one period (5 minutes), run the
function, and so on; the delay from an operation's end (its lastUpdatedDateTime,
on the emulator's clock) to the run that dispatched it is measured there."""

import json
import urllib.request

import pytest

from common.layout import completion_state_key
from completion.signals import github_dispatch, secret_token, sns_message
from completion.watch import STACK_TAG, run
from tests.helpers.data import INTERACTIONS_SCHEMA, interactions_csv
from tests.helpers.providers import set_faults
from tests.helpers.receiver import Receiver
from tests.helpers.roles import personalize_role

PERIOD = 300  # rate(5 minutes), the schedule's default
STACK = "signal-test"
BUCKET = "signal-state"
REPOSITORY = "acme/recs"
EVENT_TYPE = "personalize-completed"


@pytest.fixture(scope="module")
def personalize_local(tmp_path_factory):
    import local

    # Each test has a dataset group of its own, left behind: more than the default 5 per region.
    quotas = {"activeDatasetGroups": 10}
    handle = local.start(str(tmp_path_factory.mktemp("completion-state")), port=0, time_scale=1, quotas=quotas)
    yield handle
    handle.stop()


def _local(emulator, path: str, body: dict | None = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        emulator.endpoint + path,
        data=data,
        method="POST" if data else "GET",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read())


def now(emulator) -> float:
    return _local(emulator, "/_local/clock")["now"]


def advance(emulator, seconds: float) -> float:
    return _local(emulator, "/_local/clock", {"advance_seconds": seconds})["now"]


@pytest.fixture(scope="module")
def data(aws):
    s3 = aws("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key="interactions/part-1.csv", Body=interactions_csv(seed=3))
    return {"bucket": BUCKET, "role": personalize_role(aws("iam"), s3, "signal-tests", BUCKET)}


@pytest.fixture(scope="module")
def token_secret(aws) -> str:
    return aws("secretsmanager").create_secret(Name="github-dispatch", SecretString="ghp-test-token")["ARN"]


@pytest.fixture
def receiver():
    running = Receiver()
    yield running
    running.stop()


@pytest.fixture
def schedule(aws, emulator, data, receiver, token_secret):
    """run(stack) once per period: advance the clock 5 minutes, run the function;
    returns the runs as (emulator time, payloads signalled)."""
    dispatch = github_dispatch(REPOSITORY, EVENT_TYPE, secret_token(aws("secretsmanager"), token_secret), receiver.url)

    def tick(stack: str = STACK, periods: int = 1, signals=None) -> list[tuple[float, list[dict]]]:
        runs = []
        for _ in range(periods):
            at = advance(emulator, PERIOD)
            runs.append((at, run(aws("personalize"), aws("s3"), BUCKET, stack, signals or [dispatch])))
        return runs

    return tick


def tagged_group(p, emulator, name: str, stack: str = STACK) -> dict:
    """An ACTIVE dataset group tagged as `stack`'s, with an ACTIVE Interactions dataset."""
    group = p.create_dataset_group(name=name, tags=[{"tagKey": STACK_TAG, "tagValue": stack}])["datasetGroupArn"]
    schema = p.create_schema(name=f"{name}-schema", schema=INTERACTIONS_SCHEMA)["schemaArn"]
    advance(emulator, 120)
    dataset = p.create_dataset(
        name=f"{name}-interactions", schemaArn=schema, datasetGroupArn=group, datasetType="Interactions"
    )["datasetArn"]
    advance(emulator, 60)
    return {"group": group, "schema": schema, "dataset": dataset}


def start_import(p, arns: dict, role: str, name: str) -> str:
    """An import of the bucket's interactions into the group's dataset; its ARN."""
    return p.create_dataset_import_job(
        jobName=name,
        datasetArn=arns["dataset"],
        roleArn=role,
        dataSource={"dataLocation": f"s3://{BUCKET}/interactions/"},
    )["datasetImportJobArn"]


def until_signalled(schedule, limit: int, **kwargs) -> tuple[list[tuple[float, list[dict]]], float, list[dict]]:
    """Run the schedule until a run signals something (at most `limit` runs)."""
    runs = []
    for _ in range(limit):
        runs += schedule(**kwargs)
        if runs[-1][1]:
            return runs[:-1], runs[-1][0], runs[-1][1]
    raise AssertionError(f"nothing signalled in {limit} runs")


def test_a_training_that_finishes_is_dispatched_once_within_one_period(aws, emulator, data, receiver, schedule):
    p = aws("personalize")
    arns = tagged_group(p, emulator, "signal-finish")

    schedule()  # the first run of the stack: records what it sees, signals nothing
    assert receiver.take() == []

    job = start_import(p, arns, data["role"], "signal-finish-import")
    quiet, at, sent = until_signalled(schedule, limit=12)
    assert all(not signalled for _, signalled in quiet)
    assert [s["arn"] for s in sent] == [job]
    assert [r["body"]["client_payload"]["kind"] for r in receiver.take()] == ["import"]

    solution = p.create_solution(
        name="signal-finish-solution",
        datasetGroupArn=arns["group"],
        recipeArn="arn:aws:personalize:::recipe/aws-user-personalization",
        performAutoTraining=False,
    )["solutionArn"]
    advance(emulator, 60)
    version = p.create_solution_version(solutionArn=solution)["solutionVersionArn"]
    quiet, at, sent = until_signalled(schedule, limit=40)

    ended = p.describe_solution_version(solutionVersionArn=version)["solutionVersion"]
    assert ended["status"] == "ACTIVE"
    end = ended["lastUpdatedDateTime"].timestamp()
    delay = at - end
    print(f"\ncompletion signal: training dispatched {delay:.1f} s (emulator clock) after its end")
    # The dispatch comes at the first run after the end: within one period, and the run before saw it running.
    assert 0 <= delay <= PERIOD
    assert quiet[-1][0] < end
    posts = receiver.take()
    assert len(posts) == 1
    post = posts[0]
    assert post["path"] == f"/repos/{REPOSITORY}/dispatches"
    assert post["headers"]["Authorization"] == "Bearer ghp-test-token"
    assert post["body"] == {
        "event_type": EVENT_TYPE,
        "client_payload": {
            "stack": STACK,
            "kind": "training",
            "arn": version,
            "status": "ACTIVE",
            "outcome": "finished",
        },
    }

    # Nothing changed since: nothing is posted.
    assert all(not signalled for _, signalled in schedule(periods=3))
    assert receiver.take() == []

    # Wherever in a period a training ends, the dispatch comes at the next run: at most one period later.
    delays = []
    for phase in (0, 75, 150, 225):  # the schedule's runs moved against the training's start
        version = p.create_solution_version(solutionArn=solution)["solutionVersionArn"]
        advance(emulator, phase)
        quiet, at, sent = until_signalled(schedule, limit=40)
        end = p.describe_solution_version(solutionVersionArn=version)["solutionVersion"]["lastUpdatedDateTime"]
        delays.append(at - end.timestamp())
        assert [s["arn"] for s in sent] == [version] and quiet[-1][0] < end.timestamp()
        assert len(receiver.take()) == 1
    print(f"completion signal: end-to-dispatch delays {[round(d) for d in delays]} s, period {PERIOD} s")
    assert all(0 <= d <= PERIOD for d in delays)

    # A campaign's creation, then its update to another version: each signalled once, when it ends.
    campaign = p.create_campaign(name="signal-finish-campaign", solutionVersionArn=version, minProvisionedTPS=1)
    _, _, sent = until_signalled(schedule, limit=12)
    assert [(s["kind"], s["arn"], s["outcome"]) for s in sent] == [("campaign", campaign["campaignArn"], "finished")]
    p.update_campaign(campaignArn=campaign["campaignArn"], solutionVersionArn=ended["solutionVersionArn"])
    _, _, sent = until_signalled(schedule, limit=12)
    assert [(s["kind"], s["arn"]) for s in sent] == [("campaign-update", campaign["campaignArn"])]
    assert len(receiver.take()) == 2
    assert all(not signalled for _, signalled in schedule(periods=3))


def test_the_lambda_handler_reads_its_settings_and_token_and_dispatches(
    aws, emulator, data, receiver, token_secret, monkeypatch
):
    """completion.handler.handler as Lambda runs it: settings from the environment, default
    boto3 clients (AWS_ENDPOINT_URL points them at the emulator), the token from Secrets Manager."""
    from completion.handler import handler

    p = aws("personalize")
    arns = tagged_group(p, emulator, "signal-handler", stack="handler-stack")
    for key, value in {
        "AWS_ENDPOINT_URL": emulator.endpoint,
        "STACK": "handler-stack",
        "STATE_BUCKET": BUCKET,
        "GITHUB_REPOSITORY": REPOSITORY,
        "GITHUB_SECRET_ARN": token_secret,
        "GITHUB_EVENT_TYPE": EVENT_TYPE,
        "GITHUB_API": receiver.url,
    }.items():
        monkeypatch.setenv(key, value)
    assert handler({}, None) == {"signalled": []}
    job = start_import(p, arns, data["role"], "signal-handler-import")
    results = []
    for _ in range(12):
        advance(emulator, PERIOD)
        results.append(handler({}, None))
        if results[-1]["signalled"]:
            break
    assert [s["arn"] for s in results[-1]["signalled"]] == [job]
    [post] = receiver.take()
    assert post["headers"]["Authorization"] == "Bearer ghp-test-token"
    assert post["body"]["event_type"] == EVENT_TYPE


def test_a_failed_training_posts_the_failure_with_its_reason(aws, emulator, data, receiver, schedule):
    p = aws("personalize")
    arns = tagged_group(p, emulator, "signal-fail", stack="fail-stack")
    start_import(p, arns, data["role"], "signal-fail-import")
    advance(emulator, 86400)
    solution = p.create_solution(
        name="signal-fail-solution",
        datasetGroupArn=arns["group"],
        recipeArn="arn:aws:personalize:::recipe/aws-user-personalization",
        performAutoTraining=False,
    )["solutionArn"]
    advance(emulator, 60)
    schedule(stack="fail-stack")  # the stack's first run (its import ended before it: not a change)
    assert receiver.take() == []
    reason = "Not enough interactions: at least 1000 are required."
    set_faults(emulator, {"fail": {solution: reason}})
    try:
        version = p.create_solution_version(solutionArn=solution)["solutionVersionArn"]
        _, _, sent = until_signalled(schedule, limit=40, stack="fail-stack")
    finally:
        set_faults(emulator, None)
    posts = receiver.take()
    assert [post["body"]["client_payload"] for post in posts] == [
        {
            "stack": "fail-stack",
            "kind": "training",
            "arn": version,
            "status": "CREATE FAILED",
            "outcome": "failed",
            "failureReason": reason,
        }
    ]
    assert sent == [posts[0]["body"]["client_payload"]]
    assert all(not signalled for _, signalled in schedule(stack="fail-stack", periods=2))
    assert receiver.take() == []


def test_nothing_is_posted_when_nothing_changed_and_other_stacks_are_not_watched(aws, emulator, receiver, schedule):
    p = aws("personalize")
    tagged_group(p, emulator, "signal-other", stack="another-stack")
    runs = schedule(stack="quiet-stack", periods=3)
    assert [signalled for _, signalled in runs] == [[], [], []]
    assert receiver.take() == []
    # The state is the stack's own object under the completion prefix.
    state = json.loads(aws("s3").get_object(Bucket=BUCKET, Key=completion_state_key("quiet-stack"))["Body"].read())
    assert state == {"seen": {}}


def test_a_dispatch_github_refuses_is_sent_again_at_the_next_run(aws, emulator, data, receiver, schedule):
    p = aws("personalize")
    arns = tagged_group(p, emulator, "signal-retry", stack="retry-stack")
    schedule(stack="retry-stack")
    job = start_import(p, arns, data["role"], "signal-retry-import")
    receiver.status = 500
    with pytest.raises(RuntimeError, match="could not signal"):
        for _ in range(12):
            schedule(stack="retry-stack")
    assert [r["body"]["client_payload"]["arn"] for r in receiver.take()] == [job]
    receiver.status = 204
    [(_, sent)] = schedule(stack="retry-stack")
    assert [s["arn"] for s in sent] == [job]
    assert len(receiver.take()) == 1


def test_the_sns_signal_publishes_the_change(aws, emulator, data, schedule):
    sns = aws("sns")
    topic = sns.create_topic(Name="signal-topic")["TopicArn"]
    queue = aws("sqs").create_queue(QueueName="signal-topic-copy")["QueueUrl"]
    queue_arn = aws("sqs").get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"})
    p = aws("personalize")
    arns = tagged_group(p, emulator, "signal-sns", stack="sns-stack")
    signals = [sns_message(sns, topic)]
    schedule(stack="sns-stack", signals=signals)
    job = start_import(p, arns, data["role"], "signal-sns-import")
    until_signalled(schedule, limit=12, stack="sns-stack", signals=signals)
    messages = aws("sqs").receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in messages] == [
        f"stack: sns-stack\nkind: import\narn: {job}\nstatus: ACTIVE\noutcome: finished"
    ]


def test_the_stack_tag_is_the_programs():
    from stacks.tags import STACK_TAG as PROGRAMS

    assert STACK_TAG == PROGRAMS


def test_a_token_secret_without_a_value_is_one_clear_error(aws):
    # The secret the program declares for the token is empty until someone puts the token in it.
    empty = aws("secretsmanager").create_secret(Name="github-dispatch-empty")["ARN"]
    with pytest.raises(RuntimeError) as raised:
        secret_token(aws("secretsmanager"), empty)()
    assert f"aws secretsmanager put-secret-value --secret-id {empty}" in str(raised.value)
