"""The data stack: the bucket, its KMS key and the role Amazon Personalize
assumes, with the secure defaults of the Personalize stack's own storage
(stacks/storage.py, the same component), and nothing else. Its outputs are
what data preparation exports into and what the Personalize stack brings:

    python -m prep --config ... --version v1 --output s3://$(pulumi stack output bucket)
    pulumi config set --path personalize:storage.bucketName <bucket>   (in the repository's root)
    pulumi config set --path personalize:storage.roleArn <roleArn>

Made apart so that every command of the bootstrap runs once: the Personalize
stack's preview reads the exported version from a bucket it is given by name
(stacks/datasets.py), which a bucket it created in the same `up` cannot hold."""

import sys
from pathlib import Path

# The language host runs the program from data-stack/: the repository's packages are one up.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pulumi
import pulumi_aws as aws

from stacks.storage import DataStorage

storage = DataStorage("data", create_kms_key=True)

pulumi.export("bucket", storage.bucket_name)
pulumi.export("roleArn", storage.role_arn)
pulumi.export("kmsKeyArn", storage.kms_key_arn)
pulumi.export("region", aws.get_region_output().region)
