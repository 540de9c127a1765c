"""The real program through the real engine against personalize-local: what a
reviewer sees in `pulumi preview` is exactly what the service needs, and
`pulumi up` does exactly that."""

import json
import time
import urllib.request

import pytest
from pulumi import automation as auto

from evaluation import status
from tests.helpers.engine import export_version, planned, preview_steps
from tests.helpers.roles import personalize_role

pytestmark = pytest.mark.engine

BUCKET = "engine-data"
METRIC = "normalized_discounted_cumulative_gain_at_10"


@pytest.fixture(scope="module")
def role(aws, emulator, tmp_path_factory):
    """The bucket with versions exported by data preparation, and a role. Skewed
    data (a few items most people buy) is what popularity learns; uniform data
    has nothing to learn, so a model of it scores worse."""
    s3 = aws("s3")
    s3.create_bucket(Bucket=BUCKET)
    for version, seed, skew in (("v1", 1, 1.1), ("v2", 2, 1.1), ("skewed", 3, 1.1), ("uniform", 3, 0.0)):
        work = tmp_path_factory.mktemp(f"prep-{version}")
        export_version(work, version, BUCKET, emulator.endpoint, rows=1800, seed=seed, skew=skew)
    s3.put_object(
        Bucket=BUCKET, Key="batch-input/users.jsonl", Body="\n".join(f'{{"userId": "u{i}"}}' for i in range(7)).encode()
    )
    return personalize_role(aws("iam"), s3, "engine-personalize", BUCKET)


def personalize_calls(emulator) -> dict[str, int]:
    """Every Personalize operation the emulator has served, with its count."""
    with urllib.request.urlopen(f"{emulator.endpoint}/_local/stats") as response:
        return json.loads(response.read())["operations"]


def stack_config(emulator, role, **experiment):
    return {
        "connection": {"region": "us-east-1", "endpoint": emulator.endpoint},
        "storage": {"bucketName": BUCKET, "roleArn": role},
        "waits": {"initialPollSeconds": 0.05, "maxPollSeconds": 0.5},
        # These flows are about what changes, not about the gate: accept every new model.
        "promotion": {"minImprovement": -1.0},
        "experiments": [
            {
                "name": "popular",
                "recipe": "aws-popularity-count",
                "datasetVersion": "v1",
                "minProvisionedTPS": 1,
                "eventTracker": True,
                "filters": {"no-repeats": 'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("purchase")'},
                "batchInference": {"inputKey": "batch-input/users.jsonl", "numResults": 5, "filter": "no-repeats"},
                **experiment,
            }
        ],
    }


def test_review_and_apply_a_stack_of_every_resource(make_program_stack, emulator, role, aws, capsys):
    make_stack = make_program_stack
    stack = make_stack("local", stack_config(emulator, role))
    up = stack.up()
    assert up.summary.result == "succeeded"
    # Stack, storage, experiment, and one of each resource type: group, schema, dataset,
    # import, solution, version, promotion, campaign, tracker, filter, batch job.
    assert up.summary.resource_changes == {"create": 14}
    outputs = up.outputs["experiments"].value["popular"]
    campaign_arn = outputs["campaignArn"]
    assert campaign_arn.endswith(":campaign/local-popular")
    assert outputs["metrics"]["coverage"] > 0
    assert up.outputs["promotions"].value["popular"]["decision"] == "initial"
    assert up.outputs["popularTrackingId"].secret
    version_id = outputs["solutionVersionArn"].rsplit("/", 1)[-1]
    batch_out = (
        aws("s3").get_object(Bucket=BUCKET, Key=f"batch-output/popular/{version_id}/users.jsonl.out")["Body"].read()
    )
    assert len(batch_out.decode().strip().splitlines()) == 7
    # Nothing to do, and no output reads as unknown (a null output would, in every preview);
    # and no Personalize call: a no-change preview reads the state and the bucket only.
    calls = personalize_calls(emulator)
    assert "[unknown]" not in stack.preview(expect_no_changes=True, diff=True).stdout
    assert personalize_calls(emulator) == calls

    # Raising TPS is one in-place update of the campaign, nothing else.
    make_stack("local", stack_config(emulator, role, minProvisionedTPS=2))
    assert planned(stack) == {"Campaign": "update"}
    assert stack.up().summary.resource_changes == {"update": 1, "same": 13}
    api = aws("personalize")
    assert api.describe_campaign(campaignArn=campaign_arn)["campaign"]["minProvisionedTPS"] == 2

    # A new dataset version: a new import, a new version, the same campaign serving it.
    make_stack("local", stack_config(emulator, role, minProvisionedTPS=2, datasetVersion="v2"))
    assert planned(stack) == {
        "DatasetImportJob": "replace",
        "SolutionVersion": "replace",
        "Promotion": "update",
        "Campaign": "update",
        "BatchInferenceJob": "replace",
    }
    up = stack.up()
    assert up.outputs["experiments"].value["popular"]["campaignArn"] == campaign_arn
    served = api.describe_campaign(campaignArn=campaign_arn)["campaign"]["solutionVersionArn"]
    assert served == up.outputs["experiments"].value["popular"]["solutionVersionArn"] != outputs["solutionVersionArn"]
    stack.preview(expect_no_changes=True)

    # A new recipe is a new solution (the API cannot change it) and what follows from it.
    make_stack(
        "local",
        stack_config(emulator, role, minProvisionedTPS=2, datasetVersion="v2", recipe="aws-user-personalization"),
    )
    assert planned(stack) == {
        "Solution": "replace",
        "SolutionVersion": "replace",
        "Promotion": "update",
        "Campaign": "update",
        "BatchInferenceJob": "replace",
    }
    stack.up()

    # Drift: TPS changed out of band is seen by refresh and corrected by up.
    api.update_campaign(campaignArn=campaign_arn, minProvisionedTPS=9)
    refresh = stack.refresh()
    assert refresh.summary.resource_changes.get("update") == 1
    assert planned(stack) == {"Campaign": "update"}
    stack.up()
    assert api.describe_campaign(campaignArn=campaign_arn)["campaign"]["minProvisionedTPS"] == 2

    destroy = stack.destroy()
    assert destroy.summary.result == "succeeded"
    assert api.list_dataset_groups()["datasetGroups"] == []
    assert api.list_schemas()["schemas"] == []
    assert api.list_campaigns()["campaigns"] == []
    with capsys.disabled():
        print(
            f"\nengine against personalize-local: up {{'create': 14}}, TPS and data-version updates in place, "
            f"recipe replace, drift corrected; destroy {destroy.summary.resource_changes}"
        )


def experiment(name: str) -> dict:
    return {"name": name, "recipe": "aws-popularity-count", "datasetVersion": "v1"}


def steps_by_experiment(stack) -> dict[str, set[str]]:
    """The planned step of every resource, grouped by the experiment whose component holds it."""
    grouped: dict[str, set[str]] = {}
    for step in preview_steps(stack):
        # Components are named after their experiment, their children "<experiment>-<part>".
        grouped.setdefault(step.urn.rsplit("::", 1)[-1].split("-")[0], set()).add(step.op.value)
    return grouped


def test_adding_and_removing_experiments_touches_only_theirs(make_program_stack, emulator, role, aws):
    base = stack_config(emulator, role)
    config = lambda *names: {**base, "experiments": [experiment(n) for n in names]}
    stack = make_program_stack("grow", config("alpha"))
    stack.up()
    api = aws("personalize")
    alpha_campaign = api.describe_campaign(campaignArn=stack.outputs()["experiments"].value["alpha"]["campaignArn"])[
        "campaign"
    ]

    make_program_stack("grow", config("alpha", "beta"))
    assert steps_by_experiment(stack) == {"beta": {"create"}}
    up = stack.up()
    assert up.summary.resource_changes == {"create": 9, "same": 11}

    make_program_stack("grow", config("beta"))
    assert steps_by_experiment(stack) == {"alpha": {"delete"}}
    down = stack.up()
    assert down.summary.resource_changes == {"delete": 9, "same": 11}
    groups = [g["name"] for g in api.list_dataset_groups()["datasetGroups"]]
    assert "grow-beta" in groups and "grow-alpha" not in groups
    assert [c["name"] for c in api.list_campaigns()["campaigns"]].count(alpha_campaign["name"]) == 0
    stack.destroy()
    assert api.list_dataset_groups()["datasetGroups"] == []


def test_a_dataset_version_without_an_export_fails_the_preview(make_program_stack, emulator, role, aws):
    stack = make_program_stack("missing", stack_config(emulator, role, datasetVersion="v9"))
    with pytest.raises(auto.errors.CommandError) as failure:
        stack.preview()
    assert (
        "config key 'experiments[0].datasetVersion' has value 'v9'; allowed: a version exported to "
        f"s3://{BUCKET}/datasets/<version>/ (with its manifest.json): skewed, uniform, v1, v2" in str(failure.value)
    )
    assert not [
        g for g in aws("personalize").list_dataset_groups()["datasetGroups"] if g["name"].startswith("missing-")
    ]


RUNNING = ("WAITING FOR IMPORT", "CREATE PENDING", "CREATE IN_PROGRESS")


def test_the_gate_promotes_better_models_keeps_the_champion_and_up_need_not_wait(
    make_program_stack, emulator, role, aws
):
    api = aws("personalize")
    gated = lambda **settings: {
        **stack_config(emulator, role),
        "promotion": {"minImprovement": 0.0},
        "experiments": [{**experiment("popular"), **settings}],
    }
    training = lambda wait: {"training": {"wait": wait}}
    stack = make_program_stack("gate", gated(datasetVersion="uniform"))
    first = stack.up().outputs
    assert first["promotions"].value["popular"]["decision"] == "initial"
    campaign_arn = first["experiments"].value["popular"]["campaignArn"]
    champion = first["experiments"].value["popular"]["solutionVersionArn"]

    # Not waiting: `up` starts the import and returns; the campaign keeps its model.
    make_program_stack("gate", {**gated(datasetVersion="skewed"), **training(False)})
    outputs = stack.up().outputs
    assert outputs["experiments"].value["popular"]["trainingStatus"] in RUNNING
    assert outputs["promotions"].value["popular"]["decision"] == "pending"
    assert api.describe_campaign(campaignArn=campaign_arn)["campaign"]["solutionVersionArn"] == champion
    # The status command tells, without the engine, what runs and whether an `up` would continue it.
    [row] = status.rows({key: output.value for key, output in outputs.items()})
    assert row[:3] == ("popular", "skewed", outputs["experiments"].value["popular"]["trainingStatus"])
    assert row[3].startswith(("import", "CREATE", "WAITING", "ACTIVE")) and row[5] == "pending"

    # Later `up`s (the scheduled workflow's) start training once the import is in, then promote.
    ups = 1
    while outputs["promotions"].value["popular"]["decision"] == "pending":
        assert ups < 12, f"still pending after {ups} ups: {outputs['promotions'].value}"
        time.sleep(0.5)
        outputs, ups = stack.up().outputs, ups + 1
    decided = outputs["promotions"].value["popular"]
    assert decided["decision"] == "promote", decided["reason"]
    assert decided["challengerMetrics"][METRIC] > decided["championMetrics"][METRIC]
    better = outputs["experiments"].value["popular"]["solutionVersionArn"]
    assert api.describe_campaign(campaignArn=campaign_arn)["campaign"]["solutionVersionArn"] == better != champion
    stack.preview(expect_no_changes=True)

    # A new recipe on data with nothing to learn: the gate rejects it and the campaign keeps the
    # champion, whose replaced solution is kept (not waited on) until the campaign lets it go.
    make_program_stack("gate", gated(datasetVersion="uniform", recipe="aws-user-personalization"))
    outputs = stack.up().outputs
    decided = outputs["promotions"].value["popular"]
    assert decided["decision"] == "reject", decided["reason"]
    assert api.describe_campaign(campaignArn=campaign_arn)["campaign"]["solutionVersionArn"] == better
    kept = better.rsplit("/", 1)[0]
    assert api.describe_solution(solutionArn=kept)["solution"]["status"] == "ACTIVE"
    stack.preview(expect_no_changes=True)
    history = aws("s3").get_object(Bucket=BUCKET, Key="promotions/gate-popular.jsonl")["Body"].read().decode()
    assert [json.loads(line)["decision"] for line in history.splitlines()] == ["initial", "promote", "reject"]

    stack.destroy()
    assert api.list_dataset_groups()["datasetGroups"] == []
    assert [s for s in api.list_solutions()["solutions"] if s["name"].startswith("gate-")] == []
    assert api.list_campaigns()["campaigns"] == []
