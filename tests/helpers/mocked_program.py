"""The whole program under pulumi.runtime.set_mocks: what it registers for a
stack's config, pulumi-aws resources included (tests/unit/test_program.py, and
the shipped example stack's test)."""

import json
import runpy

import pulumi

from tests.helpers.paths import ROOT

ACCOUNT = "123456789012"


class RecordingMocks(pulumi.runtime.Mocks):
    def __init__(self):
        self.resources: list[pulumi.runtime.MockResourceArgs] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        self.resources.append(args)
        outputs = dict(args.inputs)
        if args.typ == "aws:s3/bucket:Bucket":
            outputs.update(bucket=f"{args.name}-x1", arn=f"arn:aws:s3:::{args.name}-x1")
        elif args.typ == "aws:iam/role:Role":
            outputs.update(arn=f"arn:aws:iam::{ACCOUNT}:role/{args.name}")
        elif args.typ == "aws:lambda/function:Function":
            outputs.update(arn=f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{args.inputs.get('name', args.name)}")
        elif args.typ == "aws:secretsmanager/secret:Secret":
            outputs.update(arn=f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:{args.name}-AbCdEf")
        elif args.typ == "aws:sns/topic:Topic":
            outputs.update(arn=f"arn:aws:sns:us-east-1:{ACCOUNT}:{args.name}")
        elif args.typ == "aws:cloudwatch/logGroup:LogGroup":
            outputs.update(arn=f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:{args.inputs.get('name', args.name)}")
        elif args.typ.startswith("pulumi-python:dynamic/personalize:"):
            arn = f"arn:aws:personalize:us-east-1:{ACCOUNT}:{args.typ.rsplit(':', 1)[1].lower()}/{args.name}"
            outputs.update(arn=arn)
            if args.typ.endswith(":Promotion"):  # a first deployment: the challenger is served
                outputs.update(servedVersionArn=args.inputs.get("challengerArn"), decision="initial")
            else:  # as the providers create them: a resource's id is its ARN
                return arn, outputs
        return f"{args.name}-id", outputs

    def call(self, args: pulumi.runtime.MockCallArgs):
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {"accountId": ACCOUNT, "arn": f"arn:aws:iam::{ACCOUNT}:user/ci", "userId": "ci", "id": ACCOUNT}
        if args.token == "aws:index/getRegion:getRegion":
            return {"name": "us-east-1", "region": "us-east-1", "id": "us-east-1"}
        return {}

    def of_type(self, typ: str) -> list[pulumi.runtime.MockResourceArgs]:
        return [r for r in self.resources if r.typ == typ]

    def personalize(self, kind: str) -> dict[str, dict]:
        return {r.name: r.inputs for r in self.of_type(f"pulumi-python:dynamic/personalize:{kind}")}


def run_program(
    stack: str, config: dict, mocks: RecordingMocks | None = None, aws: dict | None = None
) -> RecordingMocks:
    """`aws`: the stack's pulumi-aws keys (region, profile, assumeRoles...), as a stack file sets them."""
    mocks = mocks or RecordingMocks()
    pulumi.runtime.set_mocks(mocks, project="personalize", stack=stack, preview=False)
    pulumi.runtime.set_all_config(
        {f"personalize:{k}": json.dumps(v) for k, v in config.items()}
        | {f"aws:{k}": v if isinstance(v, str) else json.dumps(v) for k, v in (aws or {}).items()},
        [],
    )

    @pulumi.runtime.test
    def program():
        runpy.run_path(str(ROOT / "__main__.py"), run_name="__main__")

    program()
    return mocks


class OwnedBuckets:
    """S3 for the account check: every bucket but `elsewhere-*` is the account's."""

    def list_objects_v2(self, Bucket, ExpectedBucketOwner, **listing):
        if Bucket.startswith("elsewhere-"):
            from botocore.exceptions import ClientError

            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "Access Denied"}}, "ListObjectsV2")
        return {}
