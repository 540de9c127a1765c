"""Sending interactions to an event tracker: how they are batched and retried
(with a stub client), and what they change on the emulator: the next
recommendations at once, and the data the next training learns from."""

import json
import random

import pytest
from botocore.exceptions import ClientError

from providers.campaign import CampaignProvider
from providers.dataset_import_job import DatasetImportJobProvider
from providers.event_tracker import EventTrackerProvider
from providers.solution import SolutionProvider
from providers.solution_version import SolutionVersionProvider
from serving.__main__ import main
from serving.batch import recommend_batch
from serving.events import BASE_DELAY_SECONDS, PutEventsFailed, events_from_csv, put_events
from serving.outputs import StackOutputs
from tests.helpers.providers import create, interactions_group

EXPERIMENT = "clusters"
DATASET_VERSION = "clusters-v1"
START = 1_700_000_000
LATER = START + 90 * 86400  # after every training interaction: the newest history
CLUSTER_A = [f"a{i}" for i in range(30)]
CLUSTER_B = [f"b{i}" for i in range(30)]
RARE = "rare-item"


def clustered_csv() -> bytes:
    """Two groups of users who never share an item: what one group's users are
    recommended tells which group's items their history holds. One item is
    interacted with only once."""
    rng = random.Random(5)
    lines = ["USER_ID,ITEM_ID,EVENT_TYPE,TIMESTAMP"]
    for user in range(50):
        cluster = CLUSTER_A if user < 25 else CLUSTER_B
        lines += [f"u{user},{rng.choice(cluster)},purchase,{START + user * 100 + n}" for n in range(24)]
    lines.append(f"u1,{RARE},purchase,{START + 99}")
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture(scope="module")
def clusters(conn, seeded, aws) -> dict:
    """aws-user-personalization served by a campaign, with an event tracker, on
    clustered data, and the stack outputs `pulumi up` would have exported."""
    aws("s3").put_object(
        Bucket=seeded["bucket"], Key=f"datasets/{DATASET_VERSION}/interactions.csv", Body=clustered_csv()
    )
    ids = interactions_group(conn, EXPERIMENT)
    ids["import"], _ = create(
        DatasetImportJobProvider(),
        conn,
        jobName=f"{EXPERIMENT}-v1",
        datasetArn=ids["dataset"],
        roleArn=seeded["role"],
        dataSource={"dataLocation": f"s3://{seeded['bucket']}/datasets/{DATASET_VERSION}/interactions.csv"},
    )
    ids["solution"], _ = create(
        SolutionProvider(),
        conn,
        name=EXPERIMENT,
        datasetGroupArn=ids["group"],
        recipeArn="arn:aws:personalize:::recipe/aws-user-personalization",
    )
    ids["version"], _ = create(
        SolutionVersionProvider(), conn, solutionArn=ids["solution"], triggers={"datasetImportJobArn": ids["import"]}
    )
    ids["campaign"], _ = create(CampaignProvider(), conn, name=EXPERIMENT, solutionVersionArn=ids["version"])
    _, tracker = create(EventTrackerProvider(), conn, name=EXPERIMENT, datasetGroupArn=ids["group"])
    ids["outputs"] = stack_outputs(
        conn, seeded, ids["version"], campaign=ids["campaign"], tracking_id=tracker["trackingId"]
    )
    return ids


def stack_outputs(conn, seeded, version: str, campaign: str | None = None, tracking_id: str | None = None) -> dict:
    outputs = {
        "bucket": seeded["bucket"],
        "personalizeRoleArn": seeded["role"],
        "connection": {"region": conn["region"], "endpoint": conn["endpoint"]},
        "experiments": {
            EXPERIMENT: {
                "campaignArn": campaign,
                "servedVersionArn": version,
                "datasetVersion": DATASET_VERSION,
                "filters": {},
            }
        },
    }
    if tracking_id:
        outputs[f"{EXPERIMENT}TrackingId"] = tracking_id
    return outputs


def write_outputs(tmp_path, outputs: dict) -> str:
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(outputs))
    return str(path)


class StubClient:
    """Records PutEvents requests; `outcomes` are what successive calls do: an
    exception to raise, or None to succeed (also once they run out). With
    `forward_to`, successful calls go to that client."""

    def __init__(self, outcomes=(), forward_to=None):
        self.requests, self.outcomes, self.forward_to = [], list(outcomes), forward_to

    def put_events(self, **request):
        self.requests.append(request)
        outcome = self.outcomes.pop(0) if self.outcomes else None
        if outcome is not None:
            raise outcome
        if self.forward_to is not None:
            return self.forward_to.put_events(**request)
        return {}


def service_error(code: str, status: int = 400) -> ClientError:
    return ClientError(
        {"Error": {"Code": code, "Message": f"{code} message"}, "ResponseMetadata": {"HTTPStatusCode": status}},
        "PutEvents",
    )


def event(user: str, item: str, n: int = 0, **extra) -> dict:
    return {"userId": user, "itemId": item, "eventType": "click", "sentAt": LATER + n, **extra}


class Sleeps(list):
    def __call__(self, seconds: float):
        self.append(seconds)


def test_events_go_in_calls_of_one_user_and_session_and_at_most_ten_events():
    events = (
        [event("u1", f"u1-{n}", n) for n in range(23)]
        + [event("u2", f"u2-{n}", n) for n in range(3)]
        + [event("u1", f"u1-web-{n}", n, sessionId="web") for n in range(12)]
    )
    random.Random(1).shuffle(events)  # interleaved users; order within each user and session must still hold
    stub = StubClient()

    counts = put_events(stub, "tracking", events)

    assert counts == {"events": 38, "calls": 6, "retries": 0}
    assert sorted(len(r["eventList"]) for r in stub.requests) == [2, 3, 3, 10, 10, 10]
    for request in stub.requests:
        assert request["trackingId"] == "tracking"
        assert {e["itemId"].split("-")[0] for e in request["eventList"]} == {request["userId"]}
    sent = {}
    for request in stub.requests:
        sent.setdefault((request["userId"], request["sessionId"]), []).extend(e["itemId"] for e in request["eventList"])
    assert sent[("u1", "web")] == [e["itemId"] for e in events if e.get("sessionId") == "web"]
    default_sessions = {key: items for key, items in sent.items() if key[1] != "web"}
    assert len(default_sessions) == 2  # one session per user for events without one
    for (user, _), items in default_sessions.items():
        assert items == [e["itemId"] for e in events if e["userId"] == user and "sessionId" not in e]


def test_throttling_and_server_errors_are_retried_with_backoff():
    stub, sleeps = (
        StubClient(
            [
                service_error("ThrottlingException"),
                service_error("InternalServerError", 500),
                service_error("ThrottlingException"),
            ]
        ),
        Sleeps(),
    )

    counts = put_events(stub, "tracking", [event("u1", "i1")], sleep=sleeps)

    assert counts == {"events": 1, "calls": 1, "retries": 3}
    assert len(stub.requests) == 4
    # Full jitter under a ceiling that doubles with each attempt.
    assert len(sleeps) == 3
    assert all(0 <= s <= BASE_DELAY_SECONDS * 2**n for n, s in enumerate(sleeps))


def test_retries_stop_after_max_attempts_and_say_so():
    stub, sleeps = StubClient([service_error("ThrottlingException")] * 10), Sleeps()
    with pytest.raises(
        PutEventsFailed, match=r"after 3 attempts for user 'u1'.*ThrottlingException.*0 events were sent"
    ):
        put_events(stub, "tracking", [event("u1", "i1")], max_attempts=3, sleep=sleeps)
    assert len(stub.requests) == 3 and len(sleeps) == 2


def test_a_refused_call_stops_at_once_naming_the_user_and_batch_and_what_was_sent():
    events = [event("u1", "i", n) for n in range(12)] + [event("u2", "i", n) for n in range(3)] + [event("u3", "i")]
    stub, sleeps = StubClient([None, None, service_error("InvalidInputException")]), Sleeps()

    with pytest.raises(
        PutEventsFailed,
        match=r"for user 'u2' .*batch 1 of 1 \(input events 13, 14, 15\).*"
        r"InvalidInputException.*12 events were sent before it",
    ) as failed:
        put_events(stub, "tracking", events, sleep=sleeps)

    assert failed.value.sent == 12
    assert len(stub.requests) == 3 and sleeps == []  # not retried, and u3 never sent


@pytest.mark.parametrize(
    "bad, message",
    [
        ({"itemId": "i1", "eventType": "click", "sentAt": LATER}, r"event 3 has no userId"),
        ({"userId": "u9", "itemId": "i1", "sentAt": LATER}, r"event 3 has no eventType \(userId 'u9'\)"),
        ({"userId": "u9", "itemId": "i1", "eventType": "click"}, r"event 3 \(userId 'u9'\) has no sentAt"),
        ({"userId": "u9", "eventType": "click", "sentAt": LATER * 1000}, r"event 3 \(userId 'u9'\).*milliseconds"),
        ({"userId": "u9", "eventType": "click", "sentAt": LATER, "eventValue": "high"}, r"event 3 .*eventValue"),
        ({"userId": "u9", "eventType": "click", "sentAt": LATER, "itemID": "i1"}, r"event 3 has unknown keys itemID"),
    ],
)
def test_a_bad_event_is_refused_before_anything_is_sent(bad, message):
    stub = StubClient()
    with pytest.raises(ValueError, match=message):
        put_events(stub, "tracking", [event("u1", "i1"), event("u2", "i2"), bad])
    assert stub.requests == []


def test_events_from_csv_read_the_prepared_columns(tmp_path):
    path = tmp_path / "events.csv"
    path.write_text(
        "USER_ID,ITEM_ID,EVENT_TYPE,TIMESTAMP,SESSION_ID,EVENT_VALUE\n"
        "007,i1,click,1700000000,s1,\n"
        "7,i2,purchase,1700000001.5,,4.5\n"
    )
    assert events_from_csv(str(path)) == [
        {"userId": "007", "itemId": "i1", "eventType": "click", "sentAt": 1700000000, "sessionId": "s1"},
        {"userId": "7", "itemId": "i2", "eventType": "purchase", "sentAt": 1700000001.5, "eventValue": 4.5},
    ]


@pytest.mark.parametrize(
    "text, message",
    [
        (
            "USER_ID,ITEM_ID,TIMESTAMP\nu1,i1,1700000000\n",
            r"has no column EVENT_TYPE \(its header: USER_ID, ITEM_ID, TIMESTAMP\)",
        ),
        (
            "USER_ID,ITEM_ID,EVENT_TYPE,TIMESTAMP\nu1,i1,click,1700000000\nu1,i2,click,yesterday\n",
            r"events.csv line 3: TIMESTAMP 'yesterday' is not epoch seconds",
        ),
        ("USER_ID,ITEM_ID,EVENT_TYPE,TIMESTAMP\nu1,i1,click,1700000000000\n", r"line 2: TIMESTAMP .*milliseconds"),
        ("USER_ID,ITEM_ID,EVENT_TYPE,TIMESTAMP\nu1,,click,1700000000\n", r"line 2: ITEM_ID is empty"),
        (
            "USER_ID,ITEM_ID,EVENT_TYPE,TIMESTAMP,EVENT_VALUE\nu1,i1,click,1700000000,lots\n",
            r"line 2: EVENT_VALUE 'lots' is not a number",
        ),
    ],
)
def test_events_from_csv_name_the_bad_column_or_line(tmp_path, text, message):
    path = tmp_path / "events.csv"
    path.write_text(text)
    with pytest.raises(ValueError, match=message):
        events_from_csv(str(path))


def test_the_emulator_takes_the_batches(clusters, aws):
    """The emulator checks requests against botocore's model, as the service does:
    more than 10 events in a call would be refused."""
    stub = StubClient(forward_to=aws("personalize-events"))
    events = [event("u10", CLUSTER_A[n % 30], n) for n in range(25)] + [event("u11", CLUSTER_A[n], n) for n in range(3)]
    tracking_id = clusters["outputs"][f"{EXPERIMENT}TrackingId"]

    assert put_events(stub, tracking_id, events) == {"events": 28, "calls": 4, "retries": 0}
    assert [(r["userId"], len(r["eventList"])) for r in stub.requests] == [
        ("u10", 10),
        ("u10", 10),
        ("u10", 5),
        ("u11", 3),
    ]
    with pytest.raises(PutEventsFailed, match="user 'u10'.*ResourceNotFoundException.*0 events were sent"):
        put_events(aws("personalize-events"), "no-such-tracker", events)


def recommended(aws, campaign: str, user: str) -> list[str]:
    response = aws("personalize-runtime").get_recommendations(campaignArn=campaign, userId=user, numResults=10)
    return [item["itemId"] for item in response["itemList"]]


def test_events_change_the_next_recommendations_without_retraining(clusters, aws, tmp_path, capsys):
    api = aws("personalize")
    versions = api.list_solution_versions(solutionArn=clusters["solution"])["solutionVersions"]
    before = recommended(aws, clusters["campaign"], "u0")
    assert set(before) <= set(CLUSTER_A)  # a user of the first group, seen only its items
    events = tmp_path / "events.csv"
    events.write_text(
        "USER_ID,ITEM_ID,EVENT_TYPE,TIMESTAMP\n"
        + "".join(f"u0,{CLUSTER_B[n % 10]},purchase,{LATER + n}\n" for n in range(20))
    )

    code = main(
        [
            "put-events",
            "--stack",
            "test",
            "--outputs-json",
            write_outputs(tmp_path, clusters["outputs"]),
            "--experiment",
            EXPERIMENT,
            "--file",
            str(events),
        ]
    )

    assert code == 0
    assert (
        "sent 20 events to the event tracker of experiment clusters in 2 calls (0 retries)" in capsys.readouterr().out
    )
    after = recommended(aws, clusters["campaign"], "u0")
    assert after != before
    assert set(after) <= set(CLUSTER_B), after  # the newest history leads
    # Same model as before: no training ran, the campaign serves the same version.
    assert api.list_solution_versions(solutionArn=clusters["solution"])["solutionVersions"] == versions
    assert (
        api.describe_campaign(campaignArn=clusters["campaign"])["campaign"]["solutionVersionArn"] == clusters["version"]
    )


def test_events_are_in_the_next_training_data(clusters, conn, seeded, aws, tmp_path):
    """Popularity counts what the training data holds: an item bought once
    becomes the most popular one only if the events were in it."""
    solution, _ = create(
        SolutionProvider(),
        conn,
        name=f"{EXPERIMENT}-popular",
        datasetGroupArn=clusters["group"],
        recipeArn="arn:aws:personalize:::recipe/aws-popularity-count",
    )
    # Each training is declared anew (triggers): the same settings twice would adopt the first.
    old_version, _ = create(SolutionVersionProvider(), conn, solutionArn=solution, triggers={"training": "before"})
    fast = {"initialPollSeconds": 0.05, "maxPollSeconds": 0.5}

    def top_items(version: str, name: str) -> list[str]:
        outputs = StackOutputs("test", stack_outputs(conn, seeded, version))
        recommend_batch(outputs, EXPERIMENT, ["u30"], str(tmp_path / name), num_results=5, waits=fast)
        return [line.split(",")[2] for line in (tmp_path / name).read_text().splitlines()[1:]]

    assert RARE not in top_items(old_version, "before.csv")
    events = [event(f"u{user}", RARE, n) for user in range(20) for n in range(10)]
    assert (
        put_events(aws("personalize-events"), clusters["outputs"][f"{EXPERIMENT}TrackingId"], events)["events"] == 200
    )

    new_version, _ = create(SolutionVersionProvider(), conn, solutionArn=solution, triggers={"training": "after"})

    assert top_items(new_version, "after.csv")[0] == RARE
    assert RARE not in top_items(old_version, "before-again.csv")  # the old model did not change


def test_put_events_needs_a_tracker_and_a_good_file(clusters, tmp_path, capsys):
    events = tmp_path / "events.csv"
    events.write_text(f"USER_ID,ITEM_ID,EVENT_TYPE,TIMESTAMP\nu0,a1,click,{LATER}\n")
    untracked = {k: v for k, v in clusters["outputs"].items() if not k.endswith("TrackingId")}
    args = ["put-events", "--stack", "test", "--experiment", EXPERIMENT, "--file", str(events)]

    assert main([*args, "--outputs-json", write_outputs(tmp_path, untracked)]) == 2
    assert "experiment clusters has no event tracker (output clustersTrackingId)" in capsys.readouterr().err

    events.write_text(f"USER_ID,ITEM_ID,EVENT_TYPE,TIMESTAMP\nu0,a1,click,{LATER}\nu0,a2,click,soon\n")
    assert main([*args, "--outputs-json", write_outputs(tmp_path, clusters["outputs"])]) == 2
    assert f"error: {events} line 3: TIMESTAMP 'soon' is not epoch seconds" in capsys.readouterr().err
