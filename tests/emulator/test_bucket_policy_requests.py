"""A bucket's policy as the emulator's S3 applies it to the requests it is sent
(local/moto_bridge.py): the TLS-only Deny the data stack's bucket carries
(stacks/storage.py) lets them through, as AWS does every request made over TLS,
while a Deny that applies still refuses."""

import json

import botocore.exceptions
import pytest

from stacks.storage import bucket_policy
from tests.helpers.roles import ACCOUNT


def test_a_tls_only_bucket_takes_the_deployers_object_requests(emulator):
    s3 = emulator.client("s3")
    s3.create_bucket(Bucket="tls-only")
    s3.put_bucket_policy(Bucket="tls-only", Policy=bucket_policy("arn:aws:s3:::tls-only", ACCOUNT))
    s3.put_object(Bucket="tls-only", Key="datasets/v1/interactions.csv", Body=b"USER_ID\n")
    assert s3.get_object(Bucket="tls-only", Key="datasets/v1/interactions.csv")["Body"].read() == b"USER_ID\n"


def test_a_deny_that_applies_still_refuses(emulator):
    s3 = emulator.client("s3")
    s3.create_bucket(Bucket="deny-writes")
    deny = {"Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::deny-writes/*"}
    s3.put_bucket_policy(Bucket="deny-writes", Policy=json.dumps({"Version": "2012-10-17", "Statement": [deny]}))
    with pytest.raises(botocore.exceptions.ClientError, match="403|AccessDenied"):
        s3.put_object(Bucket="deny-writes", Key="x.csv", Body=b"x")
