"""One component per experiment, so the preview tree reads like the design:
dataset group > schema > dataset > import of one dataset version > solution >
solution version > promotion > campaign, with the optional event tracker,
filters and batch inference.

A new dataset version is a new import job and a new solution version; the
promotion gate compares it with the version the campaign serves, and the
campaign is updated in place only if it passed: its ARN never changes."""

import json

import pulumi

from common.layout import BATCH_OUTPUT_PREFIX, INTERACTIONS_FILE, dataset_prefix
from common.names import bounded_name, fingerprint
from providers.batch_inference_job import BatchInferenceJob
from providers.campaign import Campaign
from providers.dataset import Dataset
from providers.dataset_group import DatasetGroup
from providers.dataset_import_job import DatasetImportJob
from providers.event_tracker import EventTracker
from providers.filter import Filter
from providers.promotion import Promotion
from providers.schema import Schema
from providers.solution import CONFIG_UPDATABLE, Solution
from providers.solution_version import SolutionVersion
from stacks.config import Experiment, StackConfig
from stacks.schemas import INTERACTIONS_SCHEMA


class ExperimentComponent(pulumi.ComponentResource):
    campaign: Campaign
    import_job: DatasetImportJob
    solution_version: SolutionVersion
    promotion: Promotion
    event_tracker: EventTracker | None

    def __init__(
        self,
        experiment: Experiment,
        stack: StackConfig,
        bucket: pulumi.Input[str],
        role_arn: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("personalize:experiment:Experiment", experiment.name, None, opts)
        common = {
            "region": stack.connection.region,
            "endpoint": stack.connection.endpoint,
            "waits": stack.waits or None,
        }
        base = bounded_name([stack.stack, experiment.name])

        def child(*depends_on):
            return pulumi.ResourceOptions(parent=self, depends_on=list(depends_on))

        group = DatasetGroup(f"{experiment.name}-group", child(), name=base, **common)
        schema = Schema(
            f"{experiment.name}-schema",
            child(),
            name=bounded_name([base, "interactions"], fingerprint(INTERACTIONS_SCHEMA)),
            schema=json.dumps(INTERACTIONS_SCHEMA),
            datasetType="Interactions",
            **common,
        )
        dataset = Dataset(
            f"{experiment.name}-interactions",
            child(),
            name=bounded_name([base, "interactions"]),
            datasetType="Interactions",
            datasetGroupArn=group.arn,
            schemaArn=schema.arn,
            **common,
        )
        data_location = pulumi.Output.concat(
            "s3://", bucket, "/", dataset_prefix(experiment.dataset_version), INTERACTIONS_FILE
        )
        # Not waiting is safe only while the campaign keeps serving a model; the
        # providers check that it does (the first training of an experiment waits).
        background = {} if stack.training.wait else {"waitUnlessServing": base}
        self.import_job = import_job = DatasetImportJob(
            f"{experiment.name}-import",
            child(),
            jobName=bounded_name([base, experiment.dataset_version]),
            datasetArn=dataset.arn,
            dataSource={"dataLocation": data_location},
            roleArn=role_arn,
            importMode="FULL",
            **background,
            **common,
        )
        solution = Solution(
            f"{experiment.name}-solution",
            child(dataset),
            name=bounded_name(
                [base],
                fingerprint(
                    experiment.recipe,
                    experiment.event_type,
                    {k: v for k, v in experiment.solution_config.items() if k not in CONFIG_UPDATABLE},
                ),
            ),
            datasetGroupArn=group.arn,
            recipeArn=experiment.recipe_arn,
            eventType=experiment.event_type,
            solutionConfig=experiment.solution_config or None,
            **common,
        )
        # The import job's ARN names the data this version trains on: new data, new version.
        self.solution_version = SolutionVersion(
            f"{experiment.name}-version",
            child(import_job),
            solutionArn=solution.arn,
            trainingMode=experiment.training_mode,
            triggers={"datasetImportJobArn": import_job.arn},
            **background,
            **common,
        )
        promotion = stack.promotion
        validation = {
            "bucket": bucket,
            "datasetVersion": experiment.dataset_version,
            "roleArn": role_arn,
            "maxUsers": promotion.validation_users,
            "eventType": experiment.event_type,
        }
        self.promotion = Promotion(
            f"{experiment.name}-promotion",
            child(),
            campaignName=base,
            challengerArn=self.solution_version.arn,
            challengerStatus=self.solution_version.status,
            metric=promotion.metric,
            minImprovement=promotion.min_improvement,
            onReject=promotion.on_reject,
            validation=validation if promotion.validation_users else None,
            historyBucket=bucket,
            **common,
        )
        self.campaign = Campaign(
            f"{experiment.name}-campaign",
            child(),
            name=base,
            solutionVersionArn=self.promotion.servedVersionArn,
            minProvisionedTPS=experiment.min_provisioned_tps,
            campaignConfig=experiment.campaign_config or None,
            **common,
        )
        self.event_tracker = (
            EventTracker(
                f"{experiment.name}-tracker",
                child(dataset),
                name=base,
                datasetGroupArn=group.arn,
                **common,
            )
            if experiment.event_tracker
            else None
        )
        self.filters = {
            name: Filter(
                f"{experiment.name}-filter-{name}",
                child(dataset),
                name=bounded_name([base, name]),
                datasetGroupArn=group.arn,
                filterExpression=expression,
                **common,
            )
            for name, expression in experiment.filters.items()
        }
        self.batch_job = (
            self._batch_inference(experiment, base, bucket, role_arn, common) if experiment.batch_inference else None
        )
        self.register_outputs(
            {
                "campaignArn": self.campaign.arn,
                "solutionVersionArn": self.solution_version.arn,
                "decision": self.promotion.decision,
            }
        )

    def _batch_inference(self, experiment: Experiment, base: str, bucket, role_arn, common) -> BatchInferenceJob:
        """Batch recommendations from the version the campaign serves, written under
        a prefix per version. Jobs cannot be deleted or renamed, so the job is named
        by the version it uses and by its settings: new model, new job."""
        batch = experiment.batch_inference
        if batch is None:
            raise ValueError(f"experiment {experiment.name} declares no batch inference")
        served = self.promotion.servedVersionArn
        version_id = served.apply(lambda arn: arn.rsplit("/", 1)[-1])
        self.batch_output = pulumi.Output.concat(
            "s3://", bucket, "/", BATCH_OUTPUT_PREFIX, experiment.name, "/", version_id, "/"
        )
        settings = fingerprint(batch.input_key, batch.num_results, batch.filter)
        return BatchInferenceJob(
            f"{experiment.name}-batch",
            pulumi.ResourceOptions(parent=self),
            jobName=version_id.apply(lambda version: bounded_name([base, version], settings)),
            solutionVersionArn=served,
            roleArn=role_arn,
            numResults=batch.num_results,
            filterArn=self.filters[batch.filter].arn if batch.filter else None,
            jobInput={"s3DataSource": {"path": pulumi.Output.concat("s3://", bucket, "/", batch.input_key)}},
            jobOutput={"s3DataDestination": {"path": self.batch_output}},
            **common,
        )
