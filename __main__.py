"""Read the stack's config, build one component per experiment, export."""

import os

import pulumi

from stacks import config
from stacks.experiment import ExperimentComponent
from stacks.storage import DataBucket

stack = config.load()
bucket = DataBucket("data", existing_name=stack.storage.bucket_name)
record_store = os.path.abspath(stack.record_store)
experiments = {e.name: ExperimentComponent(e, record_store) for e in stack.experiments}

pulumi.export("bucket", bucket.bucket_name)
pulumi.export("experiments", {name: {"revision": c.record.revision, "settings": c.record.settings} for name, c in experiments.items()})
