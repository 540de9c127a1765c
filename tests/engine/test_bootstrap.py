"""The AWS quick start's bootstrap (issue 16), each command run once from
nothing, through the real engine against personalize-local, ends with a
campaign that answers:

1. the data stack's `up` (data-stack/): the bucket, its KMS key and the role.
   Its pulumi-aws `up` cannot run offline (the plugin cannot be had), so this
   test STANDS IN for it: it makes the same bucket, key and role in the
   emulator's moto with boto3 (tests/helpers/roles.py data_stack_stand_in),
   with the very policy documents the data stack declares (stacks/storage.py,
   which tests/unit/test_data_stack.py checks the data stack uses under mocks,
   and tests/unit/test_program_policies_pass_the_emulator.py checks against
   the emulator's access evaluator);
2. the Personalize stack is configured from the data stack's outputs, as
   `pulumi config set --path personalize:storage.bucketName ...` does;
3. data preparation exports a version into the bucket (prep.pipeline.prepare,
   what `python -m prep ... --output s3://<bucket>` runs);
4. one `pulumi up`.

And a preview of the Personalize stack before the export fails, naming the
empty location and the version it lacks, before anything is planned."""

import pytest
from pulumi import automation as auto

from tests.helpers.engine import export_version
from tests.helpers.roles import data_stack_stand_in

pytestmark = pytest.mark.engine

BUCKET = "data-bucket-5e1f0a2"  # as pulumi-aws names the data stack's bucket: data-bucket-<random>


def test_the_bootstrap_runs_each_command_once_and_ends_with_a_serving_campaign(
    make_program_stack, emulator, aws, tmp_path
):
    outputs = data_stack_stand_in(aws, BUCKET)  # 1. (cd data-stack && pulumi up)

    stack = make_program_stack(
        "aws",
        {
            "connection": {"region": outputs["region"], "endpoint": emulator.endpoint},
            "waits": {"initialPollSeconds": 0.05, "maxPollSeconds": 0.5},
            "experiments": [
                {"name": "popular", "recipe": "aws-popularity-count", "datasetVersion": "v1", "minProvisionedTPS": 1}
            ],
        },
    )
    # 2. pulumi config set --path personalize:storage.bucketName / roleArn, from the data stack's outputs.
    for key, output in (("bucketName", "bucket"), ("roleArn", "roleArn")):
        stack.set_config(f"personalize:storage.{key}", auto.ConfigValue(outputs[output]), path=True)

    # Before the export: the preview stops before planning anything, naming where the version is missing.
    with pytest.raises(auto.CommandError) as refused:
        stack.preview()
    message = str(refused.value)
    assert "experiments[0].datasetVersion" in message
    assert f"a version exported to s3://{BUCKET}/datasets/<version>/ (with its manifest.json): none yet" in message
    assert not [r for r in stack.export_stack().deployment.get("resources") or [] if "personalize:" in r["type"]]

    # 3. python -m prep --config ... --version v1 --output s3://<bucket>
    (tmp_path / "prep").mkdir()
    export_version(tmp_path / "prep", "v1", BUCKET, emulator.endpoint, rows=1500, seed=5, skew=1.1)
    # The export is encrypted with the data stack's key, which Personalize must be let use.
    head = aws("s3").head_object(Bucket=BUCKET, Key="datasets/v1/interactions.csv")
    assert head["ServerSideEncryption"] == "aws:kms" and head["SSEKMSKeyId"] == outputs["kmsKeyArn"]

    # 4. pulumi up, once.
    up = stack.up()
    assert up.summary.result == "succeeded"
    campaign = up.outputs["experiments"].value["popular"]["campaignArn"]
    listed = aws("personalize-runtime").get_recommendations(campaignArn=campaign, userId="shopper0", numResults=5)
    assert len(listed["itemList"]) == 5
    # Nothing left for a second run.
    stack.preview(expect_no_changes=True)
