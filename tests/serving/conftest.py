"""A deployed experiment for the serving tests: the providers build a campaign
and two filters on the emulator (tests/conftest.py starts one per module), and
`deployed` holds the stack outputs a `pulumi up` would have produced for it."""

import csv
import io

import pytest

from providers.campaign import CampaignProvider
from providers.dataset_import_job import DatasetImportJobProvider
from providers.filter import FilterProvider
from providers.solution import SolutionProvider
from providers.solution_version import SolutionVersionProvider
from tests.helpers.data import interactions_csv
from tests.helpers.providers import create, interactions_group
from tests.helpers.serving import NO_PURCHASES, NOT_THESE, publish_version

EXPERIMENT = "serving"
DATASET_VERSION = "serving-v1"  # not v1/v2, which the provider tests' seeded bucket already holds
RECIPE = "arn:aws:personalize:::recipe/aws-user-personalization"


def mixed_events_csv(seed: int = 11) -> bytes:
    """tests.helpers.data's interactions, two in three of them clicks, so a filter on
    purchases removes some of a user's items, not all; 2000 clicks is enough to
    train on clicks alone (the service asks for 1000)."""
    rows = list(csv.reader(io.StringIO(interactions_csv(rows=3000, seed=seed).decode())))
    for number, row in enumerate(rows[1:]):
        if number % 3:
            row[2] = "click"
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode()


@pytest.fixture(scope="module")
def deployed(conn, seeded, aws, emulator) -> dict:
    """One experiment deployed on the module's emulator.

    "outputs": the stack outputs dict (StackOutputs("test", deployed["outputs"])),
    "experiment": its name, "filter": the name of its filter NO_PURCHASES (the
    other, "not-these", is NOT_THESE),
    "csv": the training interactions, "version_arn", "campaign_arn",
    "model_dir" and "dataset_group_dir": where the emulator keeps the model and
    the live data, to compute expected answers with local.ml directly."""
    data = mixed_events_csv()
    publish_version(aws("s3"), seeded["bucket"], DATASET_VERSION, data)
    ids = interactions_group(conn, EXPERIMENT)
    import_arn, _ = create(
        DatasetImportJobProvider(),
        conn,
        jobName=f"{EXPERIMENT}-{DATASET_VERSION}",
        datasetArn=ids["dataset"],
        roleArn=seeded["role"],
        dataSource={"dataLocation": f"s3://{seeded['bucket']}/datasets/{DATASET_VERSION}/interactions.csv"},
    )
    # Trained on clicks, the model leaves out of a user's recommendations only what
    # they clicked: items they purchased still come up unless the filter removes them.
    solution, _ = create(
        SolutionProvider(), conn, name=EXPERIMENT, datasetGroupArn=ids["group"], recipeArn=RECIPE, eventType="click"
    )
    version, _ = create(
        SolutionVersionProvider(), conn, solutionArn=solution, triggers={"datasetImportJobArn": import_arn}
    )
    campaign, _ = create(CampaignProvider(), conn, name=EXPERIMENT, solutionVersionArn=version, minProvisionedTPS=1)
    no_purchases, _ = create(
        FilterProvider(),
        conn,
        name=f"{EXPERIMENT}-no-purchases",
        datasetGroupArn=ids["group"],
        filterExpression=NO_PURCHASES,
    )
    not_these, _ = create(
        FilterProvider(), conn, name=f"{EXPERIMENT}-not-these", datasetGroupArn=ids["group"], filterExpression=NOT_THESE
    )
    outputs = {
        "bucket": seeded["bucket"],
        "personalizeRoleArn": seeded["role"],
        "connection": {"region": conn["region"], "endpoint": conn["endpoint"]},
        "experiments": {
            EXPERIMENT: {
                "campaignArn": campaign,
                "servedVersionArn": version,
                "datasetVersion": DATASET_VERSION,
                "recipe": RECIPE,
                "filters": {"no-purchases": no_purchases, "not-these": not_these},
            }
        },
    }
    return {
        "outputs": outputs,
        "experiment": EXPERIMENT,
        "filter": "no-purchases",
        "csv": data,
        "version_arn": version,
        "campaign_arn": campaign,
        "group_arn": ids["group"],
        "model_dir": str(emulator.control.model_dir(version)),
        "dataset_group_dir": str(emulator.control.dataset_group_dir(ids["group"])),
    }
