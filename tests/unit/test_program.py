"""The whole program under pulumi.runtime.set_mocks: what it registers for a
stack's config, pulumi-aws resources included."""

import json

import pytest

from tests.helpers.config_cases import BAD
from tests.helpers.mocked_program import ACCOUNT, OwnedBuckets, RecordingMocks, run_program


@pytest.fixture(autouse=True)
def exported(monkeypatch):
    """The dataset versions a brought bucket holds; the program lists them at preview."""
    versions = {"v1"}
    monkeypatch.setattr("stacks.datasets.exported_versions", lambda stack, s3=None: versions)
    # What a brought bucket holds is checked against the emulator (tests/service/test_preview_checks.py).
    monkeypatch.setattr("stacks.datasets.require_batch_inputs", lambda stack, s3=None: None)
    monkeypatch.setattr("stacks.datasets.require_event_types", lambda stack, s3=None: None)
    # The account the Personalize calls run as (STS); the bucket's owner is checked with HeadBucket.
    monkeypatch.setattr("stacks.accounts.personalize_account", lambda stack: ACCOUNT)
    monkeypatch.setattr("stacks.accounts.client", lambda *a, **k: OwnedBuckets())
    return versions


EXPERIMENT = {"name": "popular", "recipe": "aws-popularity-count", "datasetVersion": "v1", "minProvisionedTPS": 2}
BROUGHT = {"bucketName": "team-lake", "roleArn": f"arn:aws:iam::{ACCOUNT}:role/personalize"}


def test_created_bucket_has_secure_defaults():
    mocks = run_program("dev", {"experiments": [EXPERIMENT]})

    [bucket] = mocks.of_type("aws:s3/bucket:Bucket")
    assert bucket.inputs.get("forceDestroy") is False
    [block] = mocks.of_type("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
    assert all(
        block.inputs[k] is True
        for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    )
    [sse] = mocks.of_type("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")
    assert sse.inputs["rules"][0]["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "AES256"
    [versioning] = mocks.of_type("aws:s3/bucketVersioning:BucketVersioning")
    assert versioning.inputs["versioningConfiguration"]["status"] == "Enabled"


def test_a_kms_key_encrypts_the_bucket_and_the_role_may_use_it():
    key = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    mocks = run_program("dev", {"experiments": [EXPERIMENT], "storage": {"kmsKeyArn": key}})
    [sse] = mocks.of_type("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")
    assert sse.inputs["rules"][0]["applyServerSideEncryptionByDefault"] == {
        "sseAlgorithm": "aws:kms",
        "kmsMasterKeyId": key,
    }
    [access] = mocks.of_type("aws:iam/rolePolicy:RolePolicy")
    [kms] = [s for s in json.loads(access.inputs["policy"])["Statement"] if s["Resource"] == key]
    # What the role's policy must grant (granting-personalize-key-access.html).
    assert kms["Action"] == ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey", "kms:ListGrants"]


def test_bucket_policy_is_tls_only_and_scopes_personalize_to_its_prefixes():
    mocks = run_program("dev", {"experiments": [EXPERIMENT]})
    [policy] = mocks.of_type("aws:s3/bucketPolicy:BucketPolicy")
    statements = {s["Sid"]: s for s in json.loads(policy.inputs["policy"])["Statement"]}
    deny = statements["DenyInsecureTransport"]
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    # What Personalize reads: exports, batch users files, validation users; writes: batch and evaluation results.
    bucket = "arn:aws:s3:::data-bucket-x1"
    assert statements["PersonalizeReadsInputs"]["Resource"] == [
        f"{bucket}/datasets/*",
        f"{bucket}/batch-input/*",
        f"{bucket}/evaluations/*",
    ]
    # ... and dataset exports and metric attributions' reports (issue 15).
    assert statements["PersonalizeWritesResults"]["Resource"] == [
        f"{bucket}/batch-output/*",
        f"{bucket}/evaluations/*",
        f"{bucket}/exports/*",
        f"{bucket}/metrics/*",
    ]
    for sid in ("PersonalizeListsData", "PersonalizeReadsInputs", "PersonalizeWritesResults"):
        assert statements[sid]["Principal"] == {"Service": "personalize.amazonaws.com"}
        assert statements[sid]["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT}}


def test_role_trusts_only_personalize_from_this_account_and_touches_only_its_prefixes():
    mocks = run_program("dev", {"experiments": [EXPERIMENT]})
    [role] = mocks.of_type("aws:iam/role:Role")
    [trust] = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    assert trust["Principal"] == {"Service": "personalize.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT}}
    [access] = mocks.of_type("aws:iam/rolePolicy:RolePolicy")
    statements = {s["Action"]: s for s in json.loads(access.inputs["policy"])["Statement"]}
    bucket = "arn:aws:s3:::data-bucket-x1"
    assert statements["s3:GetObject"]["Resource"] == [
        f"{bucket}/datasets/*",
        f"{bucket}/batch-input/*",
        f"{bucket}/evaluations/*",
    ]
    assert statements["s3:PutObject"]["Resource"] == [
        f"{bucket}/batch-output/*",
        f"{bucket}/evaluations/*",
        f"{bucket}/exports/*",
        f"{bucket}/metrics/*",
    ]
    assert statements["s3:ListBucket"]["Resource"] == bucket


def test_brought_bucket_and_role_register_no_aws_resources():
    mocks = run_program("local", {"experiments": [EXPERIMENT], "storage": BROUGHT})
    assert not [r for r in mocks.resources if r.typ.startswith("aws:")]
    [job] = mocks.personalize("DatasetImportJob").values()
    assert job["roleArn"] == BROUGHT["roleArn"]
    assert job["dataSource"]["dataLocation"] == "s3://team-lake/datasets/v1/interactions.csv"


def test_each_experiment_is_one_component_holding_its_chain():
    second = dict(
        EXPERIMENT,
        name="personal",
        recipe="aws-user-personalization-v2",
        minProvisionedTPS=5,
        eventTracker=True,
        filters={"no-repeats": 'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("purchase")'},
        batchInference={"inputKey": "batch-input/users.jsonl", "numResults": 10, "filter": "no-repeats"},
    )
    mocks = run_program(
        "dev",
        {
            "experiments": [EXPERIMENT, second],
            "storage": BROUGHT,
            "connection": {"region": "us-east-1", "endpoint": "http://127.0.0.1:4599"},
        },
    )

    components = {c.name for c in mocks.of_type("personalize:experiment:Experiment")}
    assert components == {"popular", "personal"}
    for kind in ("DatasetGroup", "Schema", "Dataset", "DatasetImportJob", "Solution", "SolutionVersion", "Campaign"):
        assert set(mocks.personalize(kind)) == {f"popular-{suffix(kind)}", f"personal-{suffix(kind)}"}, kind
    assert set(mocks.personalize("EventTracker")) == {"personal-tracker"}
    assert set(mocks.personalize("Filter")) == {"personal-filter-no-repeats"}
    [batch] = mocks.personalize("BatchInferenceJob").values()
    # Batch predictions come from the version the gate lets the campaign serve, under a prefix per version.
    promotion = mocks.personalize("Promotion")["personal-promotion"]
    assert promotion["challengerArn"].endswith("solutionversion/personal-version")
    assert batch["solutionVersionArn"] == promotion["challengerArn"]
    assert batch["jobOutput"]["s3DataDestination"]["path"] == "s3://team-lake/batch-output/personal/personal-version/"
    assert batch["jobInput"]["s3DataSource"]["path"] == "s3://team-lake/batch-input/users.jsonl"
    assert batch["filterArn"].endswith("filter/personal-filter-no-repeats") and batch["numResults"] == 10

    campaign = mocks.personalize("Campaign")["personal-campaign"]
    assert campaign["name"] == "dev-personal" and campaign["minProvisionedTPS"] == 5
    assert campaign["endpoint"] == "http://127.0.0.1:4599" and campaign["region"] == "us-east-1"
    assert (
        mocks.personalize("Solution")["personal-solution"]["recipeArn"]
        == "arn:aws:personalize:::recipe/aws-user-personalization-v2"
    )
    assert campaign["solutionVersionArn"] == promotion["challengerArn"]  # through the gate's servedVersionArn
    version = mocks.personalize("SolutionVersion")["personal-version"]
    assert version["triggers"]["datasetImportJobArn"].endswith("datasetimportjob/personal-import")
    assert "waitUnlessServing" not in version  # by default `up` waits for training
    assert mocks.personalize("DatasetImportJob")["personal-import"]["jobName"] == "dev-personal-v1"


def test_promotion_policy_and_not_waiting_reach_the_resources():
    mocks = run_program(
        "dev",
        {
            "experiments": [EXPERIMENT],
            "storage": BROUGHT,
            "training": {"wait": False},
            "promotion": {
                "metric": "validation.ndcg_at_10",
                "minImprovement": 0.01,
                "onReject": "fail",
                "validationUsers": 300,
            },
        },
    )
    promotion = mocks.personalize("Promotion")["popular-promotion"]
    assert (promotion["metric"], promotion["minImprovement"], promotion["onReject"]) == (
        "validation.ndcg_at_10",
        0.01,
        "fail",
    )
    assert promotion["campaignName"] == "dev-popular" and promotion["historyBucket"] == "team-lake"
    assert promotion["validation"]["maxUsers"] == 300 and promotion["validation"]["datasetVersion"] == "v1"
    # Not waiting is tied to the campaign whose model keeps serving meanwhile.
    assert mocks.personalize("SolutionVersion")["popular-version"]["waitUnlessServing"] == "dev-popular"
    assert mocks.personalize("DatasetImportJob")["popular-import"]["waitUnlessServing"] == "dev-popular"


def suffix(kind: str) -> str:
    return {
        "DatasetGroup": "group",
        "Schema": "schema",
        "Dataset": "interactions",
        "DatasetImportJob": "import",
        "Solution": "solution",
        "SolutionVersion": "version",
        "Campaign": "campaign",
    }[kind]


@pytest.mark.parametrize("raw, key, value, allowed", BAD, ids=[case[1] for case in BAD])
def test_every_bad_config_fails_the_program_before_anything_is_registered(raw, key, value, allowed):
    mocks = RecordingMocks()
    with pytest.raises(Exception) as failure:
        run_program("dev", raw, mocks)
    assert f"stack 'dev': config key {key!r} has value {value!r}; allowed: " in str(failure.value)
    assert allowed in str(failure.value)
    assert mocks.resources == []


@pytest.mark.parametrize("policy_of", ["aws:iam/rolePolicy:RolePolicy", "aws:s3/bucketPolicy:BucketPolicy"])
def test_policies_pass_the_parliament_linter(policy_of):
    from parliament import analyze_policy_string

    mocks = run_program("dev", {"experiments": [EXPERIMENT]})
    [resource] = mocks.of_type(policy_of)
    findings = analyze_policy_string(resource.inputs["policy"]).findings
    assert [(f.issue, f.detail) for f in findings] == []


def test_the_linter_does_find_a_broken_policy():
    # The check above can fail: a misspelt action is a finding.
    from parliament import analyze_policy_string

    broken = json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObjekt", "Resource": "*"}]}
    )
    assert "UNKNOWN_ACTION" in {f.issue for f in analyze_policy_string(broken).findings}


def test_a_dataset_version_without_an_export_fails_before_anything_is_registered(exported):
    exported.clear()
    exported.add("v0")
    mocks = RecordingMocks()
    with pytest.raises(Exception) as failure:
        run_program("local", {"experiments": [EXPERIMENT], "storage": BROUGHT}, mocks)
    assert (
        "stack 'local': config key 'experiments[0].datasetVersion' has value 'v1'; allowed: a version exported to "
        "s3://team-lake/datasets/<version>/ (with its manifest.json): v0"
    ) in str(failure.value)
    assert mocks.resources == []


OTHER_ACCOUNT = "210987654321"


def failure_of(config: dict, aws: dict | None = None, mocks: RecordingMocks | None = None) -> str:
    mocks = mocks or RecordingMocks()
    with pytest.raises(Exception) as failure:
        run_program("prod", config, mocks, aws)
    assert mocks.resources == []  # nothing registered, nothing half-created
    return str(failure.value)


def test_a_role_of_another_account_fails_naming_both_accounts():
    brought = dict(BROUGHT, roleArn=f"arn:aws:iam::{OTHER_ACCOUNT}:role/personalize")
    message = failure_of({"experiments": [EXPERIMENT], "storage": brought})
    assert "config key 'personalize:storage.roleArn'" in message
    assert f"a role of account {ACCOUNT}" in message and f"this one is in account {OTHER_ACCOUNT}" in message


def test_a_bucket_of_another_account_fails_naming_it():
    message = failure_of({"experiments": [EXPERIMENT], "storage": dict(BROUGHT, bucketName="elsewhere-lake")})
    assert "config key 'personalize:storage.bucketName' has value 'elsewhere-lake'" in message
    assert f"a bucket of account {ACCOUNT}" in message


def test_created_storage_in_another_account_than_the_personalize_calls_fails_naming_both():
    class ElsewhereMocks(RecordingMocks):
        def call(self, args):
            found = super().call(args)
            return found | {"accountId": OTHER_ACCOUNT} if found else found

    message = failure_of({"experiments": [EXPERIMENT]}, {"profile": "ops"}, ElsewhereMocks())
    assert f"create the bucket and role in account {OTHER_ACCOUNT}" in message
    assert f"aws:profile ops) is {ACCOUNT}" in message


def test_the_region_is_pulumi_aws_s_and_an_older_region_key_must_agree():
    mocks = run_program("prod", {"experiments": [EXPERIMENT], "storage": BROUGHT}, aws={"region": "eu-west-1"})
    assert {inputs["region"] for inputs in mocks.personalize("Campaign").values()} == {"eu-west-1"}
    message = failure_of(
        {"experiments": [EXPERIMENT], "storage": BROUGHT, "connection": {"region": "us-east-1"}},
        {"region": "eu-west-1"},
    )
    assert "config key 'personalize:connection.region' has value 'us-east-1'" in message
    assert "aws:region eu-west-1" in message


def test_a_bad_assumed_role_setting_fails_naming_the_key():
    message = failure_of({"experiments": [EXPERIMENT]}, {"assumeRoles": [{"roleArn": "r", "duration": "soon"}]})
    assert "config key 'aws:assumeRoles[0].duration' has value 'soon'" in message
