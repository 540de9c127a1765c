"""What a new user meets first, through the real engine: config mistakes stop
the preview with one line and no traceback, and long stack and experiment names
deploy with distinct names that keep their digest."""

import time

import pytest
import yaml
from pulumi import automation as auto

from common.names import MAX_NAME
from service import specs
from service.lifecycle import Lifecycle
from tests.helpers.engine import export_version
from tests.helpers.providers import set_faults
from tests.helpers.roles import personalize_role

pytestmark = pytest.mark.engine

BUCKET = "names-data"
LONG_STACK = "production-europe-west-online-retail-one"  # 40 characters
# 30 characters each, the first 25 the same.
LONG_EXPERIMENTS = ("ecommerce-recommendations-home", "ecommerce-recommendations-cart")


@pytest.fixture(scope="module")
def role(aws, emulator, tmp_path_factory):
    s3 = aws("s3")
    s3.create_bucket(Bucket=BUCKET)
    export_version(tmp_path_factory.mktemp("prep"), "v1", BUCKET, emulator.endpoint, rows=1200, seed=5)
    return personalize_role(aws("iam"), aws("s3"), "names-personalize", BUCKET)


def config(emulator, role, *names: str) -> dict:
    return {
        "connection": {"region": "us-east-1", "endpoint": emulator.endpoint},
        "storage": {"bucketName": BUCKET, "roleArn": role},
        "waits": {"initialPollSeconds": 0.05, "maxPollSeconds": 0.5},
        "experiments": [{"name": n, "recipe": "aws-popularity-count", "datasetVersion": "v1"} for n in names],
    }


def write_stack_file(stack: auto.Stack, config: dict | None) -> None:
    """The stack file exactly as given: keys with their namespace, or no config at all."""
    path = f"{stack.workspace.work_dir}/Pulumi.{stack.name}.yaml"
    with open(path, "w") as file:
        yaml.safe_dump({"config": config} if config is not None else {}, file)


def preview_error(stack: auto.Stack) -> str:
    with pytest.raises(auto.errors.CommandError) as failure:
        stack.preview()
    return str(failure.value)


def assert_one_line_without_traceback(output: str, message: str) -> None:
    assert message in output
    assert "Traceback" not in output and 'File "' not in output
    # The engine shows the program's error under the stack and again in the summary:
    # each time the message alone on its line, as an error.
    lines = [line for line in output.splitlines() if message in line]
    assert lines and all(f"error: {message}" in line for line in lines), lines


@pytest.mark.parametrize(
    "case, stack_file, message",
    [
        (
            "empty",
            None,
            "stack 'empty': config key 'experiments' has value None; allowed: a non-empty list of experiments",
        ),
        (
            "namespace",
            {"personalise:training": {"wait": False}},
            "stack 'namespace': config key 'personalise:training' has value {'wait': False}; allowed: a key under one of "
            "the namespaces personalize:, aws:, pulumi:",
        ),
        # #13, finding 3: a region typo planned the replacement of everything.
        (
            "region",
            {
                "personalize:connection": {"region": "us-east-l"},
                "personalize:experiments": [{"name": "x", "recipe": "aws-sims", "datasetVersion": "v1"}],
            },
            "stack 'region': config key 'connection.region' has value 'us-east-l'; allowed: a region where Amazon "
            "Personalize is offered",
        ),
        (
            "value",
            {"personalize:experiments": [{"name": "x", "recipe": "aws-nope", "datasetVersion": "v1"}]},
            "stack 'value': config key 'experiments[0].recipe' has value 'aws-nope'; allowed: aws-user-personalization",
        ),
    ],
)
def test_a_config_mistake_previews_to_one_line_without_a_traceback(make_program_stack, case, stack_file, message):
    stack = make_program_stack(case, {})
    write_stack_file(stack, stack_file)
    assert_one_line_without_traceback(preview_error(stack), message)


def test_long_stack_and_experiment_names_deploy_distinct_and_keep_their_digest(make_program_stack, emulator, role, aws):
    stack = make_program_stack(LONG_STACK, config(emulator, role, *LONG_EXPERIMENTS))
    stack.up()
    api = aws("personalize")
    groups = [g for g in api.list_dataset_groups()["datasetGroups"] if g["name"].startswith(LONG_STACK[:20])]
    solutions = [s for g in groups for s in api.list_solutions(datasetGroupArn=g["datasetGroupArn"])["solutions"]]
    schemas = [s["name"] for s in api.list_schemas()["schemas"] if s["name"].startswith(LONG_STACK[:20])]
    datasets = [d["name"] for g in groups for d in api.list_datasets(datasetGroupArn=g["datasetGroupArn"])["datasets"]]
    campaigns = [c["name"] for c in api.list_campaigns()["campaigns"] if c["name"].startswith(LONG_STACK[:20])]
    for names in ([g["name"] for g in groups], [s["name"] for s in solutions], schemas, datasets, campaigns):
        assert len(names) == 2 and len(set(names)) == 2, names
        assert all(len(n) <= MAX_NAME for n in names), names
    # The solution and schema names end with the fingerprint of what replaces them, cut or not.
    outputs = stack.outputs()["experiments"].value
    assert {o["recipe"] for o in outputs.values()} == {"aws-popularity-count"}
    stack.destroy()
    assert not [g for g in api.list_dataset_groups()["datasetGroups"] if g["name"].startswith(LONG_STACK[:20])]


def test_a_role_change_deploys_without_importing_again(make_program_stack, emulator, role, aws):
    """#13, finding 2: a new storage.roleArn replaced the import job under the
    same jobName, which the service refuses; the finished import is kept."""
    stack = make_program_stack("roles", config(emulator, role, "shop"))
    stack.up()
    api = aws("personalize")
    [group] = [g for g in api.list_dataset_groups()["datasetGroups"] if g["name"] == "roles-shop"]
    [dataset] = api.list_datasets(datasetGroupArn=group["datasetGroupArn"])["datasets"]
    jobs_before = api.list_dataset_import_jobs(datasetArn=dataset["datasetArn"])["datasetImportJobs"]

    other = personalize_role(aws("iam"), aws("s3"), "names-personalize-2", BUCKET)
    make_program_stack("roles", config(emulator, other, "shop"))
    up = stack.up()
    assert up.summary.result == "succeeded" and "replace" not in up.summary.resource_changes
    jobs_after = api.list_dataset_import_jobs(datasetArn=dataset["datasetArn"])["datasetImportJobs"]
    assert [j["jobName"] for j in jobs_after] == [j["jobName"] for j in jobs_before]
    assert not stack.preview().change_summary.get("update")  # an empty plan after the apply
    stack.destroy()


def test_a_removed_campaign_config_key_reaches_the_service(make_program_stack, emulator, role, aws):
    """#13, finding 4: removing explorationWeight left "0.9" in the service
    although the preview said `1 updated`; the default is now sent explicitly."""
    explored = config(emulator, role, "explore")
    explored["experiments"][0].update(
        recipe="aws-user-personalization", campaignConfig={"itemExplorationConfig": {"explorationWeight": "0.9"}}
    )
    stack = make_program_stack("explore", explored)
    stack.up()
    campaign_arn = stack.outputs()["experiments"].value["explore"]["campaignArn"]
    api = aws("personalize")
    described = api.describe_campaign(campaignArn=campaign_arn)["campaign"]
    assert described["campaignConfig"]["itemExplorationConfig"]["explorationWeight"] == "0.9"

    del explored["experiments"][0]["campaignConfig"]
    make_program_stack("explore", explored)
    assert stack.up().summary.resource_changes.get("update") == 1
    described = api.describe_campaign(campaignArn=campaign_arn)["campaign"]
    assert described["campaignConfig"]["itemExplorationConfig"]["explorationWeight"] == "0.3"
    assert not stack.preview().change_summary.get("update")  # and the next plan is empty
    stack.destroy()


def test_a_failed_filter_replacement_loses_nothing_and_a_revert_is_empty(make_program_stack, emulator, role, aws):
    """#13, finding 1: a filter replaced under its own name was deleted first; when
    CreateFilter failed, and the user reverted, the engine created the filter
    and then deleted it as "the original". The replacement is now created first,
    under its replacement name, and a failure deletes nothing."""
    purchased = 'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("purchase")'
    clicked = 'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("click")'
    filtered = config(emulator, role, "shop")

    def deploy(expression: str) -> auto.Stack:
        filtered["experiments"][0]["filters"] = {"not-purchased": expression}
        return make_program_stack("filters", filtered)

    def filters_in_service() -> dict[str, str]:
        found = api.list_filters(datasetGroupArn=group_arn)["Filters"]
        return {
            f["filterArn"]: api.describe_filter(filterArn=f["filterArn"])["filter"]["filterExpression"] for f in found
        }

    def served_filter() -> str:
        return stack.outputs()["experiments"].value["shop"]["filters"]["not-purchased"]

    stack = deploy(purchased)
    stack.up()
    api = aws("personalize")
    [group_arn] = [
        g["datasetGroupArn"] for g in api.list_dataset_groups()["datasetGroups"] if g["name"] == "filters-shop"
    ]
    original = served_filter()
    assert filters_in_service() == {original: purchased}

    # A bad expression stops at preview, naming the key; nothing is touched.
    deploy('EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN "purchase"')
    with pytest.raises(auto.CommandError, match="not-purchased"):
        stack.preview()
    assert filters_in_service() == {original: purchased}

    # A create the service fails (forced here) deletes nothing.
    replacement_name = Lifecycle(specs.FILTER, filtered["connection"]).replacement_name(
        {"name": "filters-shop-not-purchased", "datasetGroupArn": group_arn, "filterExpression": clicked}
    )
    failure = "the service could not create this filter"
    # Under either name: before this fix the replacement took the old one's name.
    set_faults(emulator, {"fail": {replacement_name: failure, "filters-shop-not-purchased": failure}})
    try:
        with pytest.raises(auto.CommandError, match="could not create this filter") as failed:
            deploy(clicked).up()
        # One clear message, without the provider server's traceback of it.
        assert "Traceback" not in str(failed.value) and "File " not in str(failed.value), str(failed.value)
    finally:
        set_faults(emulator, None)
    assert original in filters_in_service() and filters_in_service()[original] == purchased

    # The revert is an empty plan, against the service too.
    deploy(purchased)
    stack.up()
    assert filters_in_service() == {original: purchased} and served_filter() == original
    stack.preview(refresh=True, expect_no_changes=True)

    # The same change without the fault: the replacement is made first, the old one then goes.
    up = deploy(clicked).up()
    assert up.summary.resource_changes.get("replace") == 1
    assert filters_in_service() == {served_filter(): clicked} and served_filter() != original
    stack.preview(refresh=True, expect_no_changes=True)
    stack.destroy()


def wait_for_campaign_update(api, campaign_arn: str) -> None:
    """Until the campaign's latest update is ACTIVE (the emulator's clock runs 2000x fast)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        described = api.describe_campaign(campaignArn=campaign_arn)["campaign"]
        if (described.get("latestCampaignUpdate") or {}).get("status") == "ACTIVE":
            return
        time.sleep(0.1)
    raise AssertionError(f"the update of {campaign_arn} did not finish: {described.get('latestCampaignUpdate')}")


def test_an_out_of_band_change_of_an_undeclared_campaign_config_key_is_refreshed_and_undone(
    make_program_stack, emulator, role, aws
):
    """#13, finding 4: explorationWeight set out of band on a campaign that left
    it to its default was invisible to `refresh`, and `up` left "0.9" in place."""
    explored = config(emulator, role, "drift")
    explored["experiments"][0].update(recipe="aws-user-personalization")
    stack = make_program_stack("drift", explored)
    stack.up()
    assert not stack.refresh().summary.resource_changes.get("update")  # a fresh deploy has not drifted
    campaign_arn = stack.outputs()["experiments"].value["drift"]["campaignArn"]
    api = aws("personalize")

    api.update_campaign(
        campaignArn=campaign_arn, campaignConfig={"itemExplorationConfig": {"explorationWeight": "0.9"}}
    )
    wait_for_campaign_update(api, campaign_arn)
    assert stack.refresh().summary.resource_changes.get("update") == 1
    assert stack.preview().change_summary.get("update") == 1  # the plan undoes it

    assert stack.up().summary.resource_changes.get("update") == 1
    described = api.describe_campaign(campaignArn=campaign_arn)["campaign"]
    assert described["campaignConfig"]["itemExplorationConfig"]["explorationWeight"] == "0.3"
    assert not stack.refresh().summary.resource_changes.get("update")
    assert not stack.preview().change_summary.get("update")  # and the next plan is empty
    stack.destroy()
