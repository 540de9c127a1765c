"""Read the stack's config, build the storage and one component per experiment, export."""

import pulumi

from common.layout import BATCH_OUTPUT_PREFIX, dataset_prefix
from stacks import config, datasets
from stacks.cost import campaign_cost
from stacks.experiment import ExperimentComponent
from stacks.storage import DataStorage

try:
    stack = config.load()
    datasets.check_brought_bucket(stack)
except config.ConfigError as error:
    # The message names the stack, the key, the value and what is allowed: it is
    # shown alone, without a traceback of the program (RunError's contract).
    raise pulumi.RunError(str(error)) from None
storage = DataStorage(
    "data",
    bucket_name=stack.storage.bucket_name,
    role_arn=stack.storage.role_arn,
    kms_key_arn=stack.storage.kms_key_arn,
)
experiments = {e.name: ExperimentComponent(e, stack, storage.bucket_name, storage.role_arn) for e in stack.experiments}

pulumi.export("bucket", storage.bucket_name)
pulumi.export("personalizeRoleArn", storage.role_arn)
pulumi.export("batchOutputPrefix", BATCH_OUTPUT_PREFIX)
pulumi.export(
    "experiments",
    {
        e.name: {
            "datasetVersion": e.dataset_version,
            "recipe": e.recipe,
            "dataPrefix": dataset_prefix(e.dataset_version),
            "campaignArn": experiments[e.name].campaign.arn,
            "importJobArn": experiments[e.name].import_job.arn,
            "solutionVersionArn": experiments[e.name].solution_version.arn,
            "trainingStatus": experiments[e.name].solution_version.status,
            "servedVersionArn": experiments[e.name].promotion.servedVersionArn,
            "metrics": experiments[e.name].solution_version.metrics,
            "filters": {name: f.arn for name, f in experiments[e.name].filters.items()},
            **({"batchOutput": experiments[e.name].batch_output} if e.batch_inference else {}),
        }
        for e in stack.experiments
    },
)
# Known at preview: a TPS change shows its cost in the review.
pulumi.export("campaignCost", campaign_cost(stack))
pulumi.export("connection", {"region": stack.connection.region, "endpoint": stack.connection.endpoint})
# What each gate decided, with both sets of metrics: `python -m evaluation report` prints it.
pulumi.export(
    "promotions",
    {
        name: {
            key: getattr(component.promotion, key)
            for key in (
                "decision",
                "reason",
                "metric",
                "championArn",
                "challengerArn",
                "servedVersionArn",
                "championMetrics",
                "challengerMetrics",
                "decidedAt",
                "history",
            )
        }
        for name, component in experiments.items()
    },
)
for name, component in experiments.items():
    if component.event_tracker is not None:
        # Secret: anyone with it can write events into the dataset group.
        pulumi.export(f"{name}TrackingId", component.event_tracker.trackingId)
