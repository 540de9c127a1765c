"""The policy documents stacks/storage.py builds for the role and bucket it
creates (tested only under mocks, since pulumi-aws does not run offline), fed
to the evaluator personalize-local applies to every S3 access a job makes
(local/access.py): what Personalize does with them must be allowed, and
nothing beyond it."""

import pytest

from common.layout import BATCH_INPUT_PREFIX, BATCH_OUTPUT_PREFIX, DATASETS_PREFIX
from local.access import SERVICE_PRINCIPAL, decide
from stacks.storage import bucket_policy, role_policy, trust_policy

ACCOUNT = "123456789012"
BUCKET = "arn:aws:s3:::data-bucket-x1"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/data-personalize-role-1234"
KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
IMPORT = f"arn:aws:personalize:us-east-1:{ACCOUNT}:dataset-import-job/dev-popular-v1"
CONTEXT = {"aws:SourceAccount": ACCOUNT, "aws:SourceArn": IMPORT}
# Whom a bucket policy is asked about: the service, and the role it assumed.
PERSONALIZE = {SERVICE_PRINCIPAL, ROLE}


def test_the_trust_policy_lets_personalize_assume_the_role_for_this_account_only():
    assert decide([trust_policy(ACCOUNT)], "sts:AssumeRole", ROLE, CONTEXT, {SERVICE_PRINCIPAL}) == "allow"
    elsewhere = {**CONTEXT, "aws:SourceAccount": "999999999999"}
    assert decide([trust_policy(ACCOUNT)], "sts:AssumeRole", ROLE, elsewhere, {SERVICE_PRINCIPAL}) != "allow"
    assert decide([trust_policy(ACCOUNT)], "sts:AssumeRole", ROLE, CONTEXT, {"sagemaker.amazonaws.com"}) != "allow"


@pytest.mark.parametrize(
    "action, resource, prefix",
    [
        ("s3:ListBucket", BUCKET, f"{DATASETS_PREFIX}v1/"),
        ("s3:GetObject", f"{BUCKET}/{DATASETS_PREFIX}v1/interactions.csv", None),
        ("s3:GetObject", f"{BUCKET}/{BATCH_INPUT_PREFIX}users.jsonl", None),
        ("s3:PutObject", f"{BUCKET}/{BATCH_OUTPUT_PREFIX}popular/users.jsonl.out", None),
    ],
)
def test_the_role_and_bucket_policies_allow_what_personalize_does(action, resource, prefix):
    context = {**CONTEXT, **({"s3:prefix": prefix} if prefix is not None else {})}
    assert decide([role_policy(BUCKET)], action, resource, context) == "allow"
    assert decide([bucket_policy(BUCKET, ACCOUNT)], action, resource, context, PERSONALIZE) == "allow"


@pytest.mark.parametrize(
    "action, resource, prefix",
    [
        ("s3:ListBucket", BUCKET, "private/"),
        ("s3:GetObject", f"{BUCKET}/private/secrets.csv", None),
        ("s3:PutObject", f"{BUCKET}/{DATASETS_PREFIX}v1/interactions.csv", None),
    ],
)
def test_the_role_policy_allows_nothing_outside_its_prefixes(action, resource, prefix):
    context = {**CONTEXT, **({"s3:prefix": prefix} if prefix is not None else {})}
    assert decide([role_policy(BUCKET)], action, resource, context) != "allow"


def test_the_bucket_policy_lets_personalize_in_from_this_account_only():
    resource = f"{BUCKET}/{DATASETS_PREFIX}v1/interactions.csv"
    elsewhere = {**CONTEXT, "aws:SourceAccount": "999999999999"}
    assert decide([bucket_policy(BUCKET, ACCOUNT)], "s3:GetObject", resource, elsewhere, PERSONALIZE) != "allow"


def test_the_role_may_use_the_bucket_key():
    for action in ("kms:Decrypt", "kms:GenerateDataKey"):
        assert decide([role_policy(BUCKET, KEY)], action, KEY, CONTEXT) == "allow"


def test_a_statement_the_evaluator_cannot_read_is_taken_at_its_most_permissive():
    # local/access.py: Bool, NotPrincipal and NotResource are not evaluated.
    resource = f"{BUCKET}/{DATASETS_PREFIX}v1/interactions.csv"
    bool_deny = {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"}
    bool_deny["Condition"] = {"Bool": {"aws:SecureTransport": "false"}}
    not_principal = {"Effect": "Allow", "NotPrincipal": {"AWS": "x"}, "Action": "s3:GetObject", "Resource": "*"}
    document = {"Version": "2012-10-17", "Statement": [bool_deny, not_principal]}
    assert decide([document], "s3:GetObject", resource, CONTEXT, PERSONALIZE) == "allow"
    assert decide([{"Statement": [{**bool_deny, "Condition": {}}]}], "s3:GetObject", resource, CONTEXT) == "deny"


def test_the_data_stacks_key_policy_lets_personalize_of_this_account_and_the_role_use_the_key():
    # granting-personalize-key-access.html: the key policy must grant them (for an import, it alone).
    from stacks.storage import key_policy

    policy = key_policy(ACCOUNT, ROLE)
    for action in ("kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey", "kms:CreateGrant", "kms:ListGrants"):
        assert decide([policy], action, KEY, CONTEXT, {SERVICE_PRINCIPAL}) == "allow"
        assert decide([policy], action, KEY, CONTEXT, {ROLE}) == "allow"
    elsewhere = {**CONTEXT, "aws:SourceAccount": "999999999999"}
    assert decide([policy], "kms:Decrypt", KEY, elsewhere, {SERVICE_PRINCIPAL}) != "allow"
    assert decide([policy], "kms:Decrypt", KEY, CONTEXT, {"arn:aws:iam::999999999999:role/other"}) != "allow"
