"""S3 access evaluated as Amazon Personalize does it: each job's reads and
writes go through the role it names, and a refusal fails the job with an
access reason. One test per rule, each naming the page the rule comes from
(local/access.py lists them)."""

import json

import pytest

from tests.helpers.data import INTERACTIONS_SCHEMA, interactions_csv
from tests.helpers.roles import ACCOUNT, SERVICE, bucket_policy, bucket_resources, role_policy, trust_policy

S3_ACCESS = "https://docs.aws.amazon.com/personalize/latest/dg/granting-personalize-s3-access.html"
ROLE_DOC = "https://docs.aws.amazon.com/personalize/latest/dg/set-up-required-permissions.html"
DEPUTY = "https://docs.aws.amazon.com/personalize/latest/dg/cross-service-confused-deputy-prevention.html"
KMS_DOC = "https://docs.aws.amazon.com/personalize/latest/dg/granting-personalize-key-access.html"
REASON = "Insufficient privileges for accessing data in S3"


def policy(*statements) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


@pytest.fixture(scope="module")
def dataset(emulator) -> str:
    p = emulator.client("personalize")
    group = p.create_dataset_group(name="access")["datasetGroupArn"]
    emulator.advance()
    schema = p.create_schema(name="access-schema", schema=INTERACTIONS_SCHEMA)["schemaArn"]
    arn = p.create_dataset(name="access", schemaArn=schema, datasetGroupArn=group, datasetType="Interactions")
    emulator.advance()
    return arn["datasetArn"]


def bucket_and_role(emulator, name: str, trust=None, role=None, bucket=None, put=None) -> str:
    """Bucket `name` holding interactions under data/, and role `name`: each policy
    as the docs describe it unless the test gives its own (a bucket=False leaves none)."""
    s3, iam = emulator.client("s3"), emulator.client("iam")
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="data/interactions.csv", Body=interactions_csv(seed=7), **(put or {}))
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust or trust_policy())["Role"]["Arn"]
    iam.put_role_policy(RoleName=name, PolicyName="s3", PolicyDocument=role or role_policy(name))
    if bucket is not False:
        s3.put_bucket_policy(Bucket=name, Policy=bucket or bucket_policy(name))
    return arn


def run_import(emulator, dataset: str, name: str, role_arn: str) -> dict:
    p = emulator.client("personalize")
    job = p.create_dataset_import_job(
        jobName=name, datasetArn=dataset, roleArn=role_arn, dataSource={"dataLocation": f"s3://{name}/data/"}
    )["datasetImportJobArn"]
    emulator.advance()
    return p.describe_dataset_import_job(datasetImportJobArn=job)["datasetImportJob"]


def assert_denied(job: dict, *words: str) -> None:
    assert job["status"] == "CREATE FAILED"
    assert job["failureReason"].startswith(REASON), job["failureReason"]
    for word in words:
        assert word in job["failureReason"], job["failureReason"]


def test_the_role_and_bucket_policies_the_docs_describe_let_the_import_read(emulator, dataset, unique):
    # S3_ACCESS, ROLE_DOC, DEPUTY: the helper's trust, role and bucket policies are theirs.
    name = f"acc-ok-{unique}"
    assert run_import(emulator, dataset, name, bucket_and_role(emulator, name))["status"] == "ACTIVE"


def test_a_role_that_does_not_exist_fails_the_import(emulator, dataset, unique):
    # ROLE_DOC: the job needs a role Personalize can assume.
    name = f"acc-norole-{unique}"
    bucket_and_role(emulator, name)
    missing = f"arn:aws:iam::{ACCOUNT}:role/nobody-{unique}"
    assert_denied(run_import(emulator, dataset, name, missing), missing, "does not exist")


def test_an_import_that_names_no_role_fails(emulator, dataset, unique):
    # https://docs.aws.amazon.com/personalize/latest/dg/API_CreateDatasetImportJob.html: roleArn is
    # optional in the model, but it is the role that has permission to read the data source.
    name = f"acc-none-{unique}"
    bucket_and_role(emulator, name)
    p = emulator.client("personalize")
    job = p.create_dataset_import_job(
        jobName=name, datasetArn=dataset, dataSource={"dataLocation": f"s3://{name}/data/"}
    )
    emulator.advance()
    assert_denied(
        p.describe_dataset_import_job(datasetImportJobArn=job["datasetImportJobArn"])["datasetImportJob"], "roleArn"
    )


def test_a_trust_policy_without_the_service_fails_the_import(emulator, dataset, unique):
    # ROLE_DOC: the role must trust personalize.amazonaws.com.
    name = f"acc-trust-{unique}"
    other = policy({"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole"})
    assert_denied(run_import(emulator, dataset, name, bucket_and_role(emulator, name, trust=other)), "trust policy")


def test_a_trust_policy_for_another_source_account_fails_the_import(emulator, dataset, unique):
    # DEPUTY: aws:SourceAccount is the account the job runs in.
    name = f"acc-srcacct-{unique}"
    trust = policy(
        {
            "Effect": "Allow",
            "Principal": {"Service": SERVICE},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": "999999999999"}},
        }
    )
    assert_denied(run_import(emulator, dataset, name, bucket_and_role(emulator, name, trust=trust)), "trust policy")


def test_a_trust_policy_whose_source_arn_is_another_account_fails_the_import(emulator, dataset, unique):
    # DEPUTY: aws:SourceArn is the job's ARN, matched with ArnLike.
    name = f"acc-srcarn-{unique}"
    trust = policy(
        {
            "Effect": "Allow",
            "Principal": {"Service": [SERVICE]},
            "Action": "sts:AssumeRole",
            "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:personalize:us-east-1:999999999999:*"}},
        }
    )
    assert_denied(run_import(emulator, dataset, name, bucket_and_role(emulator, name, trust=trust)), "trust policy")


def test_a_role_without_s3_get_object_fails_the_import(emulator, dataset, unique):
    # S3_ACCESS: the role's policy allows s3:GetObject and s3:ListBucket.
    name = f"acc-noget-{unique}"
    only_list = policy({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": bucket_resources(name)})
    job = run_import(emulator, dataset, name, bucket_and_role(emulator, name, role=only_list))
    assert_denied(job, "s3:GetObject", f"arn:aws:s3:::{name}/data/interactions.csv")


def test_a_role_without_s3_list_bucket_fails_the_import(emulator, dataset, unique):
    # S3_ACCESS: a location is a prefix; listing it needs s3:ListBucket on the bucket.
    name = f"acc-nolist-{unique}"
    only_get = policy({"Effect": "Allow", "Action": "s3:GetObject", "Resource": bucket_resources(name)})
    assert_denied(run_import(emulator, dataset, name, bucket_and_role(emulator, name, role=only_get)), "s3:ListBucket")


def test_an_attached_managed_policy_grants_the_role_access(emulator, dataset, unique):
    # S3_ACCESS attaches the role's S3 policy as a managed policy.
    name = f"acc-managed-{unique}"
    nothing = policy({"Effect": "Allow", "Action": "personalize:*", "Resource": "*"})
    arn = bucket_and_role(emulator, name, role=nothing)
    iam = emulator.client("iam")
    managed = iam.create_policy(PolicyName=name, PolicyDocument=role_policy(name))["Policy"]["Arn"]
    iam.attach_role_policy(RoleName=name, PolicyArn=managed)
    assert run_import(emulator, dataset, name, arn)["status"] == "ACTIVE"


def test_an_explicit_deny_in_the_role_wins_over_its_allow(emulator, dataset, unique):
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
    name = f"acc-roledeny-{unique}"
    arn = bucket_and_role(emulator, name)
    deny = policy({"Effect": "Deny", "Action": "s3:Get*", "Resource": f"arn:aws:s3:::{name}/data/*"})
    emulator.client("iam").put_role_policy(RoleName=name, PolicyName="deny", PolicyDocument=deny)
    assert_denied(run_import(emulator, dataset, name, arn), "denies", "s3:GetObject")


def test_a_bucket_without_a_policy_for_personalize_fails_the_import(emulator, dataset, unique):
    # S3_ACCESS, "Attaching an Amazon Personalize access policy to your Amazon S3 bucket".
    name = f"acc-nobp-{unique}"
    job = run_import(emulator, dataset, name, bucket_and_role(emulator, name, bucket=False))
    assert_denied(job, f"policy of bucket {name}", "does not allow")


def test_a_bucket_policy_that_denies_the_service_fails_the_import(emulator, dataset, unique):
    # S3_ACCESS, with the IAM evaluation logic: a Deny beats the Allow next to it.
    name = f"acc-bpdeny-{unique}"
    statements = json.loads(bucket_policy(name))["Statement"] + [
        {
            "Effect": "Deny",
            "Principal": {"Service": SERVICE},
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{name}/*",
        }
    ]
    job = run_import(emulator, dataset, name, bucket_and_role(emulator, name, bucket=policy(*statements)))
    assert_denied(job, f"policy of bucket {name}", "denies")


def test_a_batch_job_whose_role_cannot_write_the_output_fails(emulator, trained, unique):
    # S3_ACCESS, "Service-linked role policy for batch workflows": s3:PutObject too.
    name = f"acc-batch-{unique}"
    read_only = policy(
        {"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": bucket_resources(name)}
    )
    arn = bucket_and_role(emulator, name, role=read_only)
    emulator.client("s3").put_object(Bucket=name, Key="in/users.json", Body=b'{"userId": "u1"}\n')
    p = emulator.client("personalize")
    job = p.create_batch_inference_job(
        jobName=name,
        solutionVersionArn=trained["version"],
        roleArn=arn,
        jobInput={"s3DataSource": {"path": f"s3://{name}/in/users.json"}},
        jobOutput={"s3DataDestination": {"path": f"s3://{name}/out/"}},
    )["batchInferenceJobArn"]
    emulator.advance()
    assert_denied(p.describe_batch_inference_job(batchInferenceJobArn=job)["batchInferenceJob"], "s3:PutObject")
    assert "Contents" not in emulator.client("s3").list_objects_v2(Bucket=name, Prefix="out/")


def kms_key(emulator, key_policy: str | None = None) -> str:
    kms = emulator.client("kms")
    return kms.create_key(**({"Policy": key_policy} if key_policy else {}))["KeyMetadata"]["Arn"]


def test_an_sse_kms_object_needs_a_key_policy_that_lets_personalize_decrypt(emulator, dataset, unique):
    # KMS_DOC: the key policy must allow Personalize (the service) to use the key.
    name = f"acc-kms-{unique}"
    someone_else = policy(
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/someone-else"},
            "Action": "kms:*",
            "Resource": "*",
        }
    )
    key = kms_key(emulator, someone_else)
    put = {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": key}
    job = run_import(emulator, dataset, name, bucket_and_role(emulator, name, put=put))
    assert_denied(job, "KMS key", "kms:Decrypt")


def test_an_sse_kms_object_is_imported_when_the_key_policy_allows_personalize(emulator, dataset, unique):
    # KMS_DOC: for an import only the key policy must grant Personalize the key.
    name = f"acc-kmsok-{unique}"
    allows = policy(
        {
            "Effect": "Allow",
            "Principal": {"Service": SERVICE},
            "Action": ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey", "kms:CreateGrant", "kms:ListGrants"],
            "Resource": "*",
        }
    )
    put = {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": kms_key(emulator, allows)}
    assert run_import(emulator, dataset, name, bucket_and_role(emulator, name, put=put))["status"] == "ACTIVE"


def test_an_export_job_whose_role_cannot_write_the_output_fails(emulator, dataset, unique):
    # S3_ACCESS: a dataset export job writes its CSV with the job's role, like a batch job's output.
    name = f"acc-export-{unique}"
    read_only = policy(
        {"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": bucket_resources(name)}
    )
    arn = bucket_and_role(emulator, name, role=read_only)
    assert run_import(emulator, dataset, name, arn)["status"] == "ACTIVE"
    p = emulator.client("personalize")
    job = p.create_dataset_export_job(
        jobName=name,
        datasetArn=dataset,
        roleArn=arn,
        ingestionMode="BULK",
        jobOutput={"s3DataDestination": {"path": f"s3://{name}/exports/"}},
    )["datasetExportJobArn"]
    emulator.advance()
    assert_denied(p.describe_dataset_export_job(datasetExportJobArn=job)["datasetExportJob"], "s3:PutObject")
    assert "Contents" not in emulator.client("s3").list_objects_v2(Bucket=name, Prefix="exports/")


def test_the_aws_managed_personalize_policy_attaches_and_grants_its_buckets(emulator, dataset, unique):
    # AWS managed policies exist in every account and attach by their aws ARN:
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_managed-vs-inline.html#aws-managed-policies
    # AmazonPersonalizeFullAccess allows s3:GetObject/PutObject/ListBucket on buckets named *personalize*:
    # https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AmazonPersonalizeFullAccess.html
    # (the published samples, e.g. getting_started/notebooks_managed_domains, attach it so).
    name = f"acc-personalize-{unique}"
    nothing = policy({"Effect": "Allow", "Action": "cloudwatch:ListMetrics", "Resource": "*"})
    arn = bucket_and_role(emulator, name, role=nothing)
    iam = emulator.client("iam")
    iam.attach_role_policy(RoleName=name, PolicyArn="arn:aws:iam::aws:policy/service-role/AmazonPersonalizeFullAccess")
    attached = iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]
    assert [a["PolicyName"] for a in attached] == ["AmazonPersonalizeFullAccess"]
    assert run_import(emulator, dataset, name, arn)["status"] == "ACTIVE"
