"""One component per experiment, so the preview tree reads like the design:
its data (in its group) > solution > solution version > promotion > campaign,
with the optional batch inference; or, for a domain recipe, a recommender.

An experiment of the first form (datasetVersion) builds its own dataset group
inside its component (stacks/domain.py), as it always did. An experiment of a
declared group trains on that group's data, shared with the group's other
experiments.

A new dataset version is a new import job and a new solution version; the
promotion gate compares it with the version the campaign serves, and the
campaign is updated in place only if it passed: its ARN never changes. An
experiment that follows $LATEST has no gate: its campaign moves to each new
ACTIVE version by itself."""

import pulumi

from common.layout import BATCH_OUTPUT_PREFIX
from common.names import bounded_name, fingerprint
from common.recipes import RELATED_ITEMS_RECIPES
from common.statuses import VALIDATION_PREFIX
from evaluation.gate import DEFAULT_METRIC
from providers.batch_inference_job import BatchInferenceJob
from providers.campaign import Campaign
from providers.promotion import Promotion
from providers.recommender import Recommender
from providers.solution import CONFIG_UPDATABLE, Solution
from providers.solution_version import SolutionVersion
from stacks import domain
from stacks.config import Experiment, StackConfig
from stacks.schemas import INTERACTIONS_SCHEMA
from stacks.tags import tag_input, tags


class ExperimentComponent(pulumi.ComponentResource):
    campaign: Campaign | None = None
    recommender: Recommender | None = None
    solution_version: SolutionVersion | None = None
    promotion: Promotion | None = None
    batch_output: pulumi.Output[str] | None = None

    def __init__(
        self,
        experiment: Experiment,
        stack: StackConfig,
        bucket: pulumi.Input[str],
        role_arn: pulumi.Input[str],
        data: domain.GroupData | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("personalize:experiment:Experiment", experiment.name, None, opts)
        common = stack.resource_inputs()
        base = stack.base_name(experiment.name)
        wait = stack.waits_for_training(experiment)
        # Not waiting is safe only while the campaign keeps serving a model; the
        # providers check that it does (the first training of an experiment waits).
        background = {} if wait else {"waitUnlessServing": base}
        if data is None:  # the first form: the experiment's own group, built here as it always was
            data = domain.build(
                stack.group(experiment.name),
                {"interactions": INTERACTIONS_SCHEMA},
                stack,
                bucket,
                role_arn,
                self,
                None if wait else base,
                owner=experiment,
            )
        self.data = data
        self.group_tags = tags(stack, stack.group(data.name), experiment)

        def child(*depends_on):
            return pulumi.ResourceOptions(parent=self, depends_on=list(depends_on))

        imports = list(data.imports.values())
        if experiment.served_by_recommender:
            self.recommender = Recommender(
                f"{experiment.name}-recommender",
                child(*imports),
                name=base,
                datasetGroupArn=data.arn,
                recipeArn=experiment.recipe_arn,
                recommenderConfig=experiment.recommender_serving.request(),
                **tag_input(Recommender, self.group_tags),
                **common,
            )
            self.register_outputs({"recommenderArn": self.recommender.arn})
            return
        solution_config = experiment.solution_request_config()
        solution = Solution(
            f"{experiment.name}-solution",
            child(*data.datasets.values()),
            name=bounded_name(
                [base],
                fingerprint(
                    experiment.recipe,
                    experiment.event_type,
                    {k: v for k, v in solution_config.items() if k not in CONFIG_UPDATABLE},
                    *([experiment.perform_hpo] if experiment.perform_hpo else []),
                ),
            ),
            datasetGroupArn=data.arn,
            recipeArn=experiment.recipe_arn,
            eventType=experiment.event_type,
            solutionConfig=solution_config or None,
            **({"performAutoTraining": True} if experiment.auto_training else {}),
            **({"performHPO": True} if experiment.perform_hpo else {}),
            **tag_input(Solution, self.group_tags),
            **common,
        )
        # The import jobs' ARNs name the data this version trains on: new data, new version.
        # (The first form's one trigger keeps its key, so its deployed versions do not retrain.)
        triggers = {"datasetImportJobArn": data.imports["interactions"].reference}
        triggers.update(
            {f"{kind}ImportJobArn": job.reference for kind, job in data.imports.items() if kind != "interactions"}
        )
        self.solution_version = SolutionVersion(
            f"{experiment.name}-version",
            child(*imports),
            solutionArn=solution.reference,
            trainingMode=experiment.training_mode,
            triggers=triggers,
            **tag_input(SolutionVersion, self.group_tags),
            **background,
            **common,
        )
        if experiment.follow_latest:
            # The service moves the campaign to each new ACTIVE version ($LATEST):
            # nothing here compares it with the one it served.
            pulumi.log.info(
                f"experiment {experiment.name} follows $LATEST: its campaign serves each new version of solution "
                "as it becomes ACTIVE, without the promotion gate",
                self,
            )
            served = pulumi.Output.concat(solution.reference, "/$LATEST")
        else:
            self.promotion = self._promotion(experiment, stack, base, bucket, role_arn, common)
            served = self.promotion.servedVersionArn
        self.campaign = Campaign(
            f"{experiment.name}-campaign",
            child(self.solution_version) if experiment.follow_latest else child(),
            name=base,
            solutionVersionArn=served,
            minProvisionedTPS=experiment.min_provisioned_tps,
            campaignConfig=experiment.campaign_request_config() or None,
            **tag_input(Campaign, self.group_tags),
            **common,
        )
        self.batch_job = (
            self._batch_inference(experiment, base, bucket, role_arn, common) if experiment.batch_inference else None
        )
        self.register_outputs(
            {
                "campaignArn": self.campaign.arn,
                "solutionVersionArn": self.solution_version.arn,
                **({"decision": self.promotion.decision} if self.promotion else {}),
            }
        )

    def _promotion(self, experiment: Experiment, stack: StackConfig, base: str, bucket, role_arn, common) -> Promotion:
        assert self.solution_version is not None
        promotion = stack.promotion
        metric, users = promotion.metric, promotion.validation_users
        if experiment.recipe in RELATED_ITEMS_RECIPES and users:
            # Scoring asks for a user's next items; this recipe answers for an item.
            metric, users = (DEFAULT_METRIC if metric.startswith(VALIDATION_PREFIX) else metric), None
            pulumi.log.info(
                f"experiment {experiment.name}: {experiment.recipe} recommends items for an item, so its gate "
                f"compares the service's {metric}, not the held-out users",
                self,
            )
        validation = {
            "bucket": bucket,
            "datasetVersion": stack.group(experiment.group_name).dataset_version,
            "roleArn": role_arn,
            "maxUsers": users,
            "eventType": experiment.event_type,
        }
        return Promotion(
            f"{experiment.name}-promotion",
            pulumi.ResourceOptions(parent=self),
            campaignName=base,
            challengerArn=self.solution_version.arn,
            challengerStatus=self.solution_version.status,
            metric=metric,
            minImprovement=promotion.min_improvement,
            onReject=promotion.on_reject,
            confidence=promotion.confidence,
            minUsers=promotion.min_users,
            resamples=promotion.resamples,
            validation=validation if users else None,
            historyBucket=bucket,
            **common,
        )

    def _batch_inference(self, experiment: Experiment, base: str, bucket, role_arn, common) -> BatchInferenceJob:
        """Batch recommendations from the version the campaign serves, written under
        a prefix per version. Jobs cannot be deleted or renamed, so the job is named
        by the version it uses and by its settings: new model, new job."""
        batch = experiment.batch_inference
        if batch is None or self.promotion is None:
            raise ValueError(f"experiment {experiment.name} declares no batch inference behind a gate")
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
            filterArn=self.data.filters[batch.filter].reference if batch.filter else None,
            jobInput={"s3DataSource": {"path": pulumi.Output.concat("s3://", bucket, "/", batch.input_key)}},
            jobOutput={"s3DataDestination": {"path": self.batch_output}},
            **tag_input(BatchInferenceJob, self.group_tags),
            **common,
        )
