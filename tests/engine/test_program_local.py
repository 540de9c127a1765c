"""The real program through the real engine against personalize-local: what a
reviewer sees in `pulumi preview` is exactly what the service needs, and
`pulumi up` does exactly that."""

import pytest
import yaml
from pulumi import automation as auto

from prep.config import load_config
from prep.pipeline import prepare

from tests.data import interactions_csv

pytestmark = pytest.mark.engine

BUCKET = "engine-data"


@pytest.fixture(scope="module")
def emulator(personalize_local):
    return personalize_local


@pytest.fixture(scope="module")
def role(aws, emulator, tmp_path_factory):
    """The bucket with versions v1 and v2 exported by data preparation, and a role."""
    s3 = aws("s3")
    s3.create_bucket(Bucket=BUCKET)
    for version, seed in (("v1", 1), ("v2", 2)):
        work = tmp_path_factory.mktemp(f"prep-{version}")
        (work / "raw.csv").write_bytes(interactions_csv(rows=1800, seed=seed))
        (work / "dataset.yaml").write_text(yaml.safe_dump({
            "name": "engine", "holdout": {"days": 7},
            "interactions": {"sources": [{"kind": "csv", "path": str(work / "raw.csv")}],
                             "mapping": {name: {"column": name} for name in ("USER_ID", "ITEM_ID", "EVENT_TYPE", "TIMESTAMP")}}}))
        prepare(load_config(str(work / "dataset.yaml")), version, f"s3://{BUCKET}", s3_endpoint=emulator.endpoint)
    s3.put_object(Bucket=BUCKET, Key="batch-input/users.jsonl", Body="\n".join(f'{{"userId": "u{i}"}}' for i in range(7)).encode())
    return aws("iam").create_role(RoleName="engine-personalize", AssumeRolePolicyDocument="{}")["Role"]["Arn"]


def stack_config(emulator, role, **experiment):
    return {
        "connection": {"region": "us-east-1", "endpoint": emulator.endpoint},
        "storage": {"bucketName": BUCKET, "roleArn": role},
        "waits": {"initialPollSeconds": 0.05, "maxPollSeconds": 0.5},
        "experiments": [{"name": "popular", "recipe": "aws-popularity-count", "datasetVersion": "v1",
                         "minProvisionedTPS": 1, "eventTracker": True,
                         "filters": {"no-repeats": 'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("purchase")'},
                         "batchInference": {"inputKey": "batch-input/users.jsonl", "numResults": 5, "filter": "no-repeats"},
                         **experiment}],
    }


def preview_steps(stack) -> list:
    """The metadata of every step the preview plans for a resource."""
    steps = []

    def collect(event):
        pre = event.resource_pre_event
        # The engine re-registers its default provider for dynamic resources on
        # every run; the CLI does not show that step, and neither does a review.
        if pre and pre.metadata.op.value not in ("same", "read") and not pre.metadata.type.startswith("pulumi:providers:"):
            steps.append(pre.metadata)

    stack.preview(on_event=collect)
    return steps


def planned(stack) -> dict[str, str]:
    """Each resource the preview would touch, by its type's last segment, with the step it plans."""
    # A replacement shows up as several steps; the plan is "replace".
    return {step.type.rsplit(":", 1)[-1]: "replace" if "replace" in step.op.value else step.op.value
            for step in preview_steps(stack)}


def test_review_and_apply_a_stack_of_every_resource(make_program_stack, emulator, role, aws, capsys):
    make_stack = make_program_stack
    stack = make_stack("local", stack_config(emulator, role))
    up = stack.up()
    assert up.summary.result == "succeeded"
    # Stack, storage, experiment, and one of each resource type: group, schema,
    # dataset, import, solution, version, campaign, tracker, filter, batch job.
    assert up.summary.resource_changes == {"create": 13}
    outputs = up.outputs["experiments"].value["popular"]
    campaign_arn = outputs["campaignArn"]
    assert campaign_arn.endswith(":campaign/local-popular")
    assert outputs["metrics"]["coverage"] > 0
    assert up.outputs["popularTrackingId"].secret
    batch_out = aws("s3").get_object(Bucket=BUCKET, Key="batch-output/popular/v1/users.jsonl.out")["Body"].read()
    assert len(batch_out.decode().strip().splitlines()) == 7
    stack.preview(expect_no_changes=True)

    # Raising TPS is one in-place update of the campaign, nothing else.
    make_stack("local", stack_config(emulator, role, minProvisionedTPS=2))
    assert planned(stack) == {"Campaign": "update"}
    assert stack.up().summary.resource_changes == {"update": 1, "same": 12}
    api = aws("personalize")
    assert api.describe_campaign(campaignArn=campaign_arn)["campaign"]["minProvisionedTPS"] == 2

    # A new dataset version: a new import, a new version, the same campaign serving it.
    make_stack("local", stack_config(emulator, role, minProvisionedTPS=2, datasetVersion="v2"))
    assert planned(stack) == {"DatasetImportJob": "replace", "SolutionVersion": "replace", "Campaign": "update",
                              "BatchInferenceJob": "replace"}
    up = stack.up()
    assert up.outputs["experiments"].value["popular"]["campaignArn"] == campaign_arn
    served = api.describe_campaign(campaignArn=campaign_arn)["campaign"]["solutionVersionArn"]
    assert served == up.outputs["experiments"].value["popular"]["solutionVersionArn"] != outputs["solutionVersionArn"]
    stack.preview(expect_no_changes=True)

    # A new recipe is a new solution (the API cannot change it) and what follows from it.
    make_stack("local", stack_config(emulator, role, minProvisionedTPS=2, datasetVersion="v2", recipe="aws-user-personalization"))
    assert planned(stack) == {"Solution": "replace", "SolutionVersion": "replace", "Campaign": "update",
                              "BatchInferenceJob": "replace"}
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
        print(f"\nengine against personalize-local: up {{'create': 13}}, TPS and data-version updates in place, "
              f"recipe replace, drift corrected; destroy {destroy.summary.resource_changes}")


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
    alpha_campaign = api.describe_campaign(campaignArn=stack.outputs()["experiments"].value["alpha"]["campaignArn"])["campaign"]

    make_program_stack("grow", config("alpha", "beta"))
    assert steps_by_experiment(stack) == {"beta": {"create"}}
    up = stack.up()
    assert up.summary.resource_changes == {"create": 8, "same": 10}

    make_program_stack("grow", config("beta"))
    assert steps_by_experiment(stack) == {"alpha": {"delete"}}
    down = stack.up()
    assert down.summary.resource_changes == {"delete": 8, "same": 10}
    groups = [g["name"] for g in api.list_dataset_groups()["datasetGroups"]]
    assert "grow-beta" in groups and "grow-alpha" not in groups
    assert [c["name"] for c in api.list_campaigns()["campaigns"]].count(alpha_campaign["name"]) == 0
    stack.destroy()
    assert api.list_dataset_groups()["datasetGroups"] == []


def test_a_dataset_version_without_an_export_fails_the_preview(make_program_stack, emulator, role, aws):
    stack = make_program_stack("missing", stack_config(emulator, role, datasetVersion="v9"))
    with pytest.raises(auto.errors.CommandError) as failure:
        stack.preview()
    assert "config key 'experiments[0].datasetVersion' has value 'v9'; allowed: a version exported to " \
           f"s3://{BUCKET}/datasets/<version>/ (with its manifest.json): v1, v2" in str(failure.value)
    assert not [g for g in aws("personalize").list_dataset_groups()["datasetGroups"] if g["name"].startswith("missing-")]
