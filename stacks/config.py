"""The stack's configuration (`personalize:` keys of `Pulumi.<stack>.yaml`) as
pydantic models, validated before any resource is registered, so a bad value
fails the preview with one message that names the stack, the key, the value
and what is allowed.

Every default and rule lives here: types and ranges on the fields, the rules
that involve several keys as validators. Each field's description is what is
allowed; it is both the error message's last part and the editor's hint in
the published JSON Schema (schema/personalize-config.schema.json)."""

import re
from collections.abc import Mapping
from dataclasses import replace
from functools import cached_property, lru_cache
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)
from pydantic.alias_generators import to_camel

from common.config_errors import first_problem, matching, rule
from common.layout import BATCH_INPUT_PREFIX
from common.names import DATASET_VERSION_ALLOWED, DATASET_VERSION_PATTERN, bounded_name
from common.recipes import DOMAIN_RECIPES, SUPPORT, WITHOUT_HYPERPARAMETERS, recipes_with, required_datasets
from common.statuses import METRICS, VALIDATION_PREFIX
from completion.signals import webhook_problem
from evaluation.gate import DEFAULT_CONFIDENCE, DEFAULT_METRIC, DEFAULT_MIN_USERS, DEFAULT_RESAMPLES, ON_REJECT
from service.connection import SERVICES as CONNECTED_SERVICES
from service.connection import BadConnection, use
from service.connection import Connection as AwsConnection
from service.connection import from_config as connection_from_config
from service.wait_settings import Waits
from service.waiting import waits_inconsistency
from stacks.filters import problem as filter_problem
from stacks.schemas import GROUP_FIELDS

# What each recipe supports, with the documentation it comes from: common/recipes.py.
CUSTOM_RECIPES = tuple(SUPPORT)
# A domain recipe (use case) is served by a recommender, in a group of its domain.
RECIPES = CUSTOM_RECIPES + tuple(DOMAIN_RECIPES)
DOMAINS = ("ECOMMERCE", "VIDEO_ON_DEMAND")
# The datasets a version exports (data preparation) and a group can have.
DATASET_KINDS = ("interactions", "items", "users")
IMPORT_MODES = ("FULL", "INCREMENTAL")
# Recipes whose solutions can train in UPDATE mode between full retrains.
UPDATE_MODE_RECIPES = tuple(name for name, support in SUPPORT.items() if "UPDATE" in support.training_modes)
TRAINING_MODES = ("FULL", "UPDATE")
# The datasets the group of an experiment in the first form (datasetVersion) gets.
STACK_DATASETS = ("INTERACTIONS",)
# Experiment names become parts of resource names (bounded to 63 characters).
NAME_PATTERN = r"[a-z0-9][a-z0-9-]{0,29}"
# Ten times what the shipped stacks ask for: about 1,460 USD a month per campaign at list price.
DEFAULT_MAX_PROVISIONED_TPS = 20
# The config namespaces a stack file may use: this project's, pulumi-aws's and the engine's.
NAMESPACES = ("personalize", "aws", "pulumi")


class ConfigError(ValueError):
    def __init__(self, stack: str, key: str, value: Any, allowed: str):
        super().__init__(f"stack {stack!r}: config key {key!r} has value {value!r}; allowed: {allowed}")
        self.key = key


SCHEDULE_ALLOWED = 'rate(N days) with N from 1 to 30, e.g. "rate(7 days)"'
EXPRESSION_ALLOWED = "SUM(Items.<numeric field>) or SAMPLECOUNT()"
NAME_ALLOWED = "lower-case letters, digits and hyphens, starting with a letter or digit, at most 30 characters"
FILTER_NAME_ALLOWED = "filter names like experiment names: " + NAME_ALLOWED

ExperimentName = Annotated[str, Field(description=NAME_ALLOWED), matching(NAME_PATTERN, NAME_ALLOWED)]
FilterName = Annotated[str, Field(description=FILTER_NAME_ALLOWED), matching(NAME_PATTERN, FILTER_NAME_ALLOWED)]
FilterExpression = Annotated[str, Field(min_length=1, description="a filter expression string")]
DatasetVersion = Annotated[
    str, Field(description=DATASET_VERSION_ALLOWED), matching(DATASET_VERSION_PATTERN, DATASET_VERSION_ALLOWED)
]


class _Model(BaseModel):
    # camelCase keys as in the stack file; strict: "2" is not a number, 1 is not true.
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True, strict=True)


class BatchInference(_Model):
    input_key: str = Field(
        min_length=1, description='an object key in the data bucket (required): JSON lines of {"userId": ...}'
    )
    num_results: int = Field(25, ge=1, le=500, description="an integer from 1 to 500")
    filter: str | None = Field(None, description="one of this experiment's filters, by name")


# Tags (https://docs.aws.amazon.com/personalize/latest/dg/tagging-resources.html and
# API_Tag.html): keys of 1 to 128 characters, values of up to 256, at most 50 per
# resource; keys starting with aws: are AWS's own.
TAG_KEY_ALLOWED = "a tag key of 1 to 128 characters, not starting with aws:"
MAX_USER_TAGS = 40  # of the 50 a resource may have, the project sets 4 (stacks/tags.py)
TagKey = Annotated[
    str,
    Field(min_length=1, max_length=128, description=TAG_KEY_ALLOWED),
    matching(r"(?!aws:)[^\x00-\x1f]{1,128}", TAG_KEY_ALLOWED),
]
TagValue = Annotated[str, Field(max_length=256, description="a tag value of at most 256 characters")]
Tags = Annotated[
    dict[TagKey, TagValue],
    Field(max_length=MAX_USER_TAGS, description=f"a mapping of at most {MAX_USER_TAGS} tag keys to values"),
]


class AutoTraining(_Model):
    # https://docs.aws.amazon.com/personalize/latest/dg/API_AutoTrainingConfig.html: rate(N days), 1 to 30.
    schedule: Annotated[str, matching(r"rate\(([1-9]|[12][0-9]|30) days?\)", SCHEDULE_ALLOWED)] = Field(
        "rate(7 days)", description=SCHEDULE_ALLOWED
    )


class RecommenderServing(_Model):
    """How a recommender serves a domain recipe (CreateRecommender's recommenderConfig)."""

    # https://docs.aws.amazon.com/personalize/latest/dg/API_RecommenderConfig.html: at least 1, the default.
    min_recommendation_requests_per_second: int = Field(
        1, ge=1, description="an integer of at least 1 (billed every hour, like a campaign's TPS)"
    )
    enable_metadata_with_recommendations: bool = Field(False, description="true or false")
    item_exploration_config: dict[str, str] | None = Field(
        None, description="a mapping with explorationWeight, explorationItemAgeCutOff (strings)"
    )

    def request(self) -> dict[str, Any]:
        config: dict[str, Any] = {
            "minRecommendationRequestsPerSecond": self.min_recommendation_requests_per_second,
        }
        if self.enable_metadata_with_recommendations:
            config["enableMetadataWithRecommendations"] = True
        if self.item_exploration_config:
            config["itemExplorationConfig"] = dict(self.item_exploration_config)
        return config


class Experiment(_Model):
    name: ExperimentName
    recipe: Literal[RECIPES] = Field(description=", ".join(RECIPES))  # type: ignore[valid-type]
    # One of the two: the group the experiment trains in (shared with others), or,
    # the first form, a dataset version that gets a group of its own.
    dataset_group: ExperimentName | None = Field(None, description="the name of one of this stack's datasetGroups")
    dataset_version: DatasetVersion | None = None
    min_provisioned_tps: int = Field(1, ge=1, alias="minProvisionedTPS", description="an integer of at least 1")
    event_type: Annotated[str, Field(min_length=1)] | None = Field(None, description="an event type string")
    training_mode: Literal["FULL", "UPDATE"] = Field("FULL", description=", ".join(TRAINING_MODES))
    # None: the stack's training.wait.
    wait: bool | None = Field(None, description="true or false, or omit it for the stack's training.wait")
    # The service retrains on this schedule (CreateSolution's performAutoTraining).
    auto_training: AutoTraining | None = Field(None, description="a mapping with schedule")
    perform_hpo: bool = Field(False, alias="performHPO", description="true or false")
    solution_config: dict[str, Any] = Field(
        default_factory=dict, description="a mapping: CreateSolution's solutionConfig"
    )
    campaign_config: dict[str, Any] = Field(
        default_factory=dict, description="a mapping: CreateCampaign's campaignConfig"
    )
    # The campaign serves the solution's newest ACTIVE version ($LATEST): no promotion gate.
    follow_latest: bool = Field(False, description="true or false")
    recommender: RecommenderServing | None = Field(
        None, description="a mapping with minRecommendationRequestsPerSecond, enableMetadataWithRecommendations"
    )
    # First form only: the group of a datasetGroup experiment has the tracker and filters.
    event_tracker: bool = Field(False, description="true or false")
    filters: dict[FilterName, FilterExpression] = Field(
        default_factory=dict, description="a mapping of filter names to expressions"
    )
    batch_inference: BatchInference | None = Field(None, description="a mapping with inputKey, numResults, filter")
    tags: Tags = Field(default_factory=dict)

    @model_validator(mode="after")
    def _rules(self) -> "Experiment":
        if (self.dataset_group is None) == (self.dataset_version is None):
            raise rule(
                "one of datasetGroup (a group of this stack, shared with other experiments) or datasetVersion "
                "(a group of the experiment's own)",
                "datasetGroup" if self.dataset_group else "datasetVersion",
                self.dataset_group,
            )
        if self.dataset_group is not None:
            for key, value in (("eventTracker", self.event_tracker or None), ("filters", self.filters or None)):
                if value is not None:
                    raise rule(
                        f"{key} on the experiment's dataset group ({self.dataset_group}), which all its experiments share",
                        key,
                        value,
                    )
        else:
            for name, expression in self.filters.items():
                if wrong := filter_problem(expression, GROUP_FIELDS):
                    raise rule(wrong, f"filters.{name}", expression)
        for path, value, allowed in campaign_config_problems(self.campaign_config):
            raise rule(allowed, f"campaignConfig.{path}" if path else "campaignConfig", value)
        if self.recipe in DOMAIN_RECIPES:
            self._recommender_rules()
        else:
            self._recipe_rules()
        chosen = self.batch_inference.filter if self.batch_inference else None
        if chosen is not None and self.dataset_version is not None and chosen not in self.filters:
            raise rule(
                f"one of this experiment's filters: {', '.join(self.filters) or 'none declared'}",
                "batchInference.filter",
                chosen,
            )
        return self

    def _recommender_rules(self) -> None:
        """A domain recipe trains and serves in a recommender: nothing of a solution or campaign applies."""
        if self.dataset_group is None:
            raise rule(
                f"a custom recipe ({', '.join(CUSTOM_RECIPES)}) for an experiment with datasetVersion; "
                f"{self.recipe} is a use case of a {DOMAIN_RECIPES[self.recipe].domain} dataset group: "
                "set datasetGroup",
                "recipe",
                self.recipe,
            )
        campaign_only = {
            "minProvisionedTPS": self.min_provisioned_tps if self.min_provisioned_tps != 1 else None,
            "campaignConfig": self.campaign_config or None,
            "followLatest": self.follow_latest or None,
            "solutionConfig": self.solution_config or None,
            "trainingMode": self.training_mode if self.training_mode != "FULL" else None,
            "autoTraining": self.auto_training,
            "performHPO": self.perform_hpo or None,
            "eventType": self.event_type,
            "batchInference": self.batch_inference,
        }
        for key, value in campaign_only.items():
            if value is not None:
                raise rule(
                    f"no {key} for {self.recipe}: a domain recipe is served by a recommender "
                    "(set recommender.minRecommendationRequestsPerSecond instead)",
                    key,
                    value if not isinstance(value, BaseModel) else value.model_dump(by_alias=True),
                )

    def _recipe_rules(self) -> None:
        """What the service documents for other recipes only (common/recipes.py)."""
        support = SUPPORT[self.recipe]
        if self.recommender is not None:
            raise rule(
                f"a campaign for {self.recipe} (a custom recipe); recommenders serve the domain recipes "
                f"{', '.join(DOMAIN_RECIPES)}",
                "recommender",
                self.recommender.model_dump(by_alias=True),
            )
        if self.dataset_version is not None and (
            missing := [d for d in support.required_datasets if d not in STACK_DATASETS]
        ):
            raise rule(
                f"a recipe that trains on the datasets this stack creates ({', '.join(STACK_DATASETS)}); "
                f"{self.recipe} also needs {', '.join(missing)}: put the experiment in a datasetGroup "
                "whose version exports them",
                "recipe",
                self.recipe,
            )
        if self.training_mode not in support.training_modes:
            raise rule(
                f"{', '.join(support.training_modes)} for {self.recipe}; "
                f"{self.training_mode} only with {', '.join(UPDATE_MODE_RECIPES)}",
                "trainingMode",
                self.training_mode,
            )
        exploration = self.campaign_config.get("itemExplorationConfig")
        if exploration and not support.item_exploration:
            raise rule(
                f"no itemExplorationConfig for {self.recipe}; only with {', '.join(recipes_with('item_exploration'))}",
                "campaignConfig.itemExplorationConfig",
                exploration,
            )
        events = self.solution_config.get("eventsConfig")
        if events and not support.events_config:
            raise rule(
                f"no eventsConfig for {self.recipe}; only with {', '.join(recipes_with('events_config'))}",
                "solutionConfig.eventsConfig",
                events,
            )
        if self.perform_hpo and self.recipe in WITHOUT_HYPERPARAMETERS:
            raise rule(f"false for {self.recipe}, which has no hyperparameters to tune", "performHPO", True)
        if "hpoConfig" in self.solution_config and not self.perform_hpo:
            raise rule(
                "hpoConfig only with performHPO: true (the service tunes only when asked to)",
                "solutionConfig.hpoConfig",
                self.solution_config["hpoConfig"],
            )
        if "autoTrainingConfig" in self.solution_config:
            raise rule(
                "autoTraining.schedule on the experiment, which also turns automatic training on",
                "solutionConfig.autoTrainingConfig",
                self.solution_config["autoTrainingConfig"],
            )
        if self.follow_latest and self.batch_inference is not None:
            raise rule(
                "no batchInference with followLatest: batch jobs are named by the version the gate serves",
                "batchInference",
                self.batch_inference.model_dump(by_alias=True),
            )
        if "syncWithLatestSolutionVersion" in self.campaign_config:
            raise rule(
                "followLatest on the experiment, which also points the campaign at $LATEST and turns the gate off",
                "campaignConfig.syncWithLatestSolutionVersion",
                self.campaign_config["syncWithLatestSolutionVersion"],
            )

    @property
    def served_by_recommender(self) -> bool:
        return self.recipe in DOMAIN_RECIPES

    @property
    def recommender_serving(self) -> "RecommenderServing":
        """How its recommender serves: the declared settings, or the service's defaults."""
        return self.recommender or RecommenderServing()

    @property
    def group_name(self) -> str:
        """The group the experiment trains in: its own (first form) is named after it."""
        return self.dataset_group or self.name

    @property
    def recipe_arn(self) -> str:
        return f"arn:aws:personalize:::recipe/{self.recipe}"

    def solution_request_config(self) -> dict[str, Any]:
        """solutionConfig as CreateSolution takes it: the declared one, with the schedule."""
        config = dict(self.solution_config)
        if self.auto_training is not None:
            config["autoTrainingConfig"] = {"schedulingExpression": self.auto_training.schedule}
        return config

    def campaign_request_config(self) -> dict[str, Any]:
        config = dict(self.campaign_config)
        if self.follow_latest:
            config["syncWithLatestSolutionVersion"] = True
        return config


class Metric(_Model):
    # https://docs.aws.amazon.com/personalize/latest/dg/API_MetricAttribute.html
    event_type: Annotated[str, Field(min_length=1, max_length=256)] = Field(description="an event type string")
    metric_name: Annotated[str, Field(min_length=1, max_length=256)] = Field(description="a metric name")
    # SUM(Items.<numeric field>) or SAMPLECOUNT() (measuring-impact-of-recommendations.html).
    expression: Annotated[
        str, matching(r"SAMPLECOUNT\(\)|SUM\(Items\.[A-Za-z_][A-Za-z0-9_]*\)", EXPRESSION_ALLOWED)
    ] = Field(description=EXPRESSION_ALLOWED)


class MetricAttribution(_Model):
    # At most 10 metrics per attribution (API_CreateMetricAttribution.html: metrics, up to 10 items).
    metrics: tuple[Metric, ...] = Field(
        min_length=1, max_length=10, strict=False, description="a list of 1 to 10 metrics"
    )
    # Also write the metrics to the bucket (CloudWatch always gets them).
    s3_output: bool = Field(False, alias="s3Output", description="true or false")


class DatasetExport(_Model):
    # https://docs.aws.amazon.com/personalize/latest/dg/API_CreateDatasetExportJob.html
    ingestion_mode: Literal["BULK", "PUT", "ALL"] = Field("ALL", description="BULK, PUT, ALL")
    datasets: tuple[Literal[DATASET_KINDS], ...] = Field(  # type: ignore[valid-type]
        ("interactions",), strict=False, description=", ".join(DATASET_KINDS)
    )


class DatasetGroup(_Model):
    """A data domain: its data, shared by every experiment that names it."""

    name: ExperimentName
    dataset_version: DatasetVersion
    # None: every dataset the version exported (its manifest says which).
    datasets: tuple[Literal[DATASET_KINDS], ...] | None = Field(  # type: ignore[valid-type]
        None, strict=False, description=f"a list of {', '.join(DATASET_KINDS)}, or omit it for all the version has"
    )
    # How a new version is imported: INCREMENTAL adds rows to what is there (a
    # version that only adds rows); the first import of a dataset is always FULL.
    import_mode: Literal[IMPORT_MODES] = Field("FULL", description=", ".join(IMPORT_MODES))  # type: ignore[valid-type]
    domain: Literal[DOMAINS] | None = Field(None, description=", ".join(DOMAINS))  # type: ignore[valid-type]
    event_tracker: bool = Field(False, description="true or false")
    filters: dict[FilterName, FilterExpression] = Field(
        default_factory=dict, description="a mapping of filter names to expressions"
    )
    metric_attribution: MetricAttribution | None = Field(None, description="a mapping with metrics, s3Output")
    export: DatasetExport | None = Field(None, description="a mapping with ingestionMode, datasets")
    tags: Tags = Field(default_factory=dict)

    @model_validator(mode="after")
    def _rules(self) -> "DatasetGroup":
        if self.datasets is not None:
            if "interactions" not in self.datasets:
                raise rule(
                    "a list that includes interactions (every recipe trains on them)", "datasets", list(self.datasets)
                )
            if len(set(self.datasets)) != len(self.datasets):
                raise rule("each dataset once", "datasets", list(self.datasets))
        return self


@lru_cache(maxsize=1)
def personalize_regions() -> tuple[str, ...]:
    """The regions botocore's endpoint data lists for Personalize, in every partition."""
    from servicemodel.requests import botocore_session

    session = botocore_session()
    return tuple(
        sorted({r for p in session.get_available_partitions() for r in session.get_available_regions("personalize", p)})
    )


def _personalize_region(region: str) -> str:
    if region not in personalize_regions():
        raise rule(f"a region where Amazon Personalize is offered: {', '.join(personalize_regions())}")
    return region


# Item exploration (User-Personalization): how much to explore, a decimal from 0
# to 1 (default 0.3), and the maximum item age in days that exploration considers.
# https://docs.aws.amazon.com/personalize/latest/dg/native-recipe-new-item-USER_PERSONALIZATION.html
# https://docs.aws.amazon.com/personalize/latest/dg/create-recommender-configure-exploration.html
EXPLORATION_RULES = {
    "explorationWeight": (lambda v: 0.0 <= v <= 1.0, 'a decimal from 0 to 1, as a string such as "0.3"'),
    "explorationItemAgeCutOff": (lambda v: v > 0, 'a positive number of days, as a string such as "30"'),
}


def campaign_config_problems(config: dict[str, Any]) -> list[tuple[str, Any, str]]:
    """(key path, value, allowed) for what CreateCampaign would refuse in campaignConfig:
    what botocore's model says, then the documented ranges of item exploration."""
    from servicemodel.constraints import violations
    from servicemodel.requests import SERVICE, member_path, operation, reason

    shape = operation(SERVICE, "CreateCampaign").input_shape.members["campaignConfig"]
    for v in violations(shape, config, unknown_members=True):
        return [
            (
                member_path(v.path).replace(" key ", "."),
                v.value,
                f"what CreateCampaign's campaignConfig takes: {reason(v)}",
            )
        ]
    exploration = config.get("itemExplorationConfig") or {}
    for key, value in exploration.items():
        if key not in EXPLORATION_RULES:
            return [(f"itemExplorationConfig.{key}", value, f"one of the keys {', '.join(EXPLORATION_RULES)}")]
        check, allowed = EXPLORATION_RULES[key]
        try:
            number = float(value)
        except ValueError:
            number = float("nan")
        if not check(number):  # nan fails every check
            return [(f"itemExplorationConfig.{key}", value, allowed)]
    return []


class Connection(_Model):
    # A typo here would plan every resource's replacement in a region that has none.
    region: Annotated[str, Field(min_length=1), AfterValidator(_personalize_region)] | None = Field(
        None, description="an AWS region where Amazon Personalize is offered"
    )
    # None is AWS itself.
    endpoint: Annotated[str, Field(min_length=1)] | None = Field(
        None, description="an endpoint URL, e.g. the local emulator's"
    )


class Storage(_Model):
    # Both None: the program creates the bucket and the role with secure defaults.
    bucket_name: Annotated[str, Field(min_length=1)] | None = Field(
        None, description="the name of an existing bucket, or omit it to create one"
    )
    role_arn: Annotated[str, Field(min_length=1)] | None = Field(
        None, description="the ARN of an existing role Personalize can assume"
    )
    # Encrypt a created bucket with this KMS key instead of S3-managed keys.
    kms_key_arn: Annotated[str, Field(min_length=1)] | None = Field(None, description="the ARN of a KMS key")

    @model_validator(mode="after")
    def _rules(self) -> "Storage":
        if bool(self.bucket_name) != bool(self.role_arn):
            missing = "roleArn" if self.bucket_name else "bucketName"
            raise rule("bring both bucketName and roleArn, or neither to create both", missing, None)
        if self.kms_key_arn and self.bucket_name:
            raise rule(
                "only with a bucket the program creates; a brought bucket keeps its own encryption",
                "kmsKeyArn",
                self.kms_key_arn,
            )
        return self


class Training(_Model):
    # False: `up` starts imports and training and returns while the campaign
    # keeps its model; a later `up` picks up the finished version.
    wait: bool = Field(
        True, description="true (up waits for imports and training) or false (up starts them and returns)"
    )


class Promotion(_Model):
    metric: Literal[METRICS] = Field(DEFAULT_METRIC, description=", ".join(METRICS))  # type: ignore[valid-type]
    # How much better (absolute) the challenger must score; negative tolerates a small loss.
    min_improvement: float = Field(0.0, ge=-1, le=1, description="a number from -1 to 1 (metrics range from 0 to 1)")
    # What a rejection does to `up`: "warn" keeps the champion and goes on, "fail" stops.
    on_reject: Literal[ON_REJECT] = Field("warn", description=", ".join(ON_REJECT))  # type: ignore[valid-type]
    # Score versions on the dataset version's held-out interactions too (a batch
    # inference job per version), for at most this many validation users; None: off.
    validation_users: int | None = Field(
        None,
        ge=1,
        le=100_000,
        description=("an integer from 1 to 100000, or omit it to score on the service's metrics only"),
    )
    # The paired comparison on the validation users (evaluation/gate.py): the two-sided
    # confidence of the interval of the mean per-user gain, the fewest scored users it
    # decides on (fewer: inconclusive), and the bootstrap's resamples.
    confidence: float = Field(DEFAULT_CONFIDENCE, ge=0.5, le=0.999, description="a number from 0.5 to 0.999")
    min_users: int = Field(DEFAULT_MIN_USERS, ge=1, le=100_000, description="an integer from 1 to 100000")
    resamples: int = Field(DEFAULT_RESAMPLES, ge=100, le=20_000, description="an integer from 100 to 20000")

    @model_validator(mode="after")
    def _rules(self) -> "Promotion":
        if self.metric.startswith(VALIDATION_PREFIX) and self.validation_users is None:
            raise rule(
                "a service metric, or set promotion.validationUsers to score on the validation set",
                "metric",
                self.metric,
            )
        return self


# EventBridge Scheduler rate expressions: rate(value unit), unit minute(s), hour(s) or day(s)
# (https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#rate-based).
COMPLETION_SCHEDULE_ALLOWED = 'rate(N minutes), rate(N hours) or rate(N days), e.g. "rate(5 minutes)"'
COMPLETION_SCHEDULE_PATTERN = r"rate\((1 (minute|hour|day)|([2-9]|[1-9][0-9]+) (minutes|hours|days))\)"
REPOSITORY_ALLOWED = "a GitHub repository as owner/name"
SECRET_ARN_ALLOWED = "the ARN of a Secrets Manager secret (arn:aws:secretsmanager:<region>:<account>:secret:<name>)"
# GitHub's event_type: at most 100 characters
# (https://docs.github.com/en/rest/repos/repos#create-a-repository-dispatch-event).
EVENT_TYPE_ALLOWED = "an event type of 1 to 100 letters, digits, dots, hyphens and underscores"
SNS_TOPIC_ALLOWED = "true (a topic the stack creates), false, or the ARN of an SNS topic (arn:aws:sns:...)"
DEFAULT_COMPLETION_EVENT = "personalize-completed"


class GithubDispatch(_Model):
    """Where the completion signal sends a repository_dispatch, and the token it sends it with."""

    repository: Annotated[str, matching(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+", REPOSITORY_ALLOWED)] = Field(
        description=REPOSITORY_ALLOWED
    )
    # Unset: the program declares an empty secret for the token (stacks/completion.py).
    secret_arn: (
        Annotated[str, matching(r"arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+", SECRET_ARN_ALLOWED)]
        | None
    ) = Field(None, description=SECRET_ARN_ALLOWED + "; unset, the program creates an empty one to put the token in")
    event_type: Annotated[str, matching(r"[A-Za-z0-9_.-]{1,100}", EVENT_TYPE_ALLOWED)] = Field(
        DEFAULT_COMPLETION_EVENT, description=EVENT_TYPE_ALLOWED
    )


def _sns_topic(value: bool | str) -> bool | str:
    if isinstance(value, str) and not re.fullmatch(
        r"arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_.-]{1,256}", value
    ):
        raise rule(SNS_TOPIC_ALLOWED)
    return value


class CompletionSignal(_Model):
    """A function on a schedule that signals when a long operation of the stack ends (completion/)."""

    enabled: bool = Field(False, description="true or false")
    schedule: Annotated[str, matching(COMPLETION_SCHEDULE_PATTERN, COMPLETION_SCHEDULE_ALLOWED)] = Field(
        "rate(5 minutes)", description=COMPLETION_SCHEDULE_ALLOWED
    )
    github: GithubDispatch | None = Field(None, description="a mapping with repository, secretArn, eventType")
    sns_topic: Annotated[bool | str, AfterValidator(_sns_topic)] = Field(False, description=SNS_TOPIC_ALLOWED)

    @model_validator(mode="after")
    def _somewhere_to_signal(self) -> "CompletionSignal":
        if self.enabled and self.github is None and self.sns_topic is False:
            raise rule("github, snsTopic or both when enabled is true: somewhere to signal", "enabled", True)
        return self


EMAIL_ALLOWED = "an email address (name@domain)"
WEBHOOK_ALLOWED = "an absolute http:// or https:// URL with a host, e.g. http://127.0.0.1:8787/notify"
NOTIFICATIONS_TOPIC_ALLOWED = (
    "true (the stack's topic: the one completionSignal creates with snsTopic true, else one created for it), "
    "false, or the ARN of an SNS topic (arn:aws:sns:...)"
)
EmailAddress = Annotated[
    str,
    Field(description=EMAIL_ALLOWED),
    matching(r"[^@\s]+@[^@\s]+\.[^@\s]+", EMAIL_ALLOWED),
]


def _webhook_url(value: str | None) -> str | None:
    if value is not None and webhook_problem(value):
        raise rule(WEBHOOK_ALLOWED)
    return value


class Notifications(_Model):
    """Who is told of the gate's decisions and of a change of the campaigns' cost, at `up`
    (providers/notice.py), and of operations that end (the completion signal's function)."""

    sns_topic: Annotated[bool | str, AfterValidator(_sns_topic)] = Field(False, description=NOTIFICATIONS_TOPIC_ALLOWED)
    # A list in the stack file (strict would take only a tuple).
    emails: tuple[EmailAddress, ...] = Field(
        (), strict=False, description="a list of email addresses subscribed to the topic (each confirms by email)"
    )
    webhook_url: Annotated[str | None, AfterValidator(_webhook_url)] = Field(None, description=WEBHOOK_ALLOWED)

    @property
    def enabled(self) -> bool:
        return self.sns_topic is not False or self.webhook_url is not None

    @model_validator(mode="after")
    def _somewhere_to_subscribe(self) -> "Notifications":
        if self.emails and self.sns_topic is False:
            raise rule("emails with snsTopic true or an ARN: the topic they subscribe to", "emails", list(self.emails))
        return self


class Quotas(_Model):
    """The account's quotas the preview counts the stack against: the documented
    defaults (https://docs.aws.amazon.com/personalize/latest/dg/limits.html), or
    what an increase raised them to. The stack's own resources are counted; other
    stacks in the same account and region share the per-region quota."""

    active_dataset_groups: int = Field(5, ge=1, description="an integer of at least 1 (per account and region)")
    active_solutions: int = Field(10, ge=1, description="an integer of at least 1 (per dataset group)")
    active_campaigns: int = Field(5, ge=1, description="an integer of at least 1 (per dataset group)")
    recommenders: int = Field(5, ge=1, description="an integer of at least 1 (per dataset group)")
    active_filters: int = Field(10, ge=1, description="an integer of at least 1 (per dataset group)")


# The limits page's name of each quota, for the message.
QUOTA_WORDS = {
    "activeDatasetGroups": "Total number of active dataset groups",
    "activeSolutions": "Total number of active solutions",
    "activeCampaigns": "Total number of active campaigns",
    "recommenders": "Total number of recommenders",
    "activeFilters": "Total number of filters",
}


class StackConfig(_Model):
    """The `personalize:` keys of a stack file."""

    model_config = ConfigDict(title="personalize: config of Pulumi.<stack>.yaml")

    stack: str = Field("", exclude=True, description="the stack's name (not a config key)")
    # A list in the stack file (strict would take only a tuple).
    experiments: tuple[Experiment, ...] = Field(
        min_length=1, strict=False, description="a non-empty list of experiments"
    )
    dataset_groups: tuple[DatasetGroup, ...] = Field(
        (), strict=False, description="a list of dataset groups (data domains) experiments share"
    )
    connection: Connection = Field(default_factory=Connection, description="a mapping with region, endpoint")
    storage: Storage = Field(default_factory=Storage, description="a mapping with bucketName, roleArn, kmsKeyArn")
    waits: Waits = Field(default_factory=lambda: Waits(), description="a mapping of deadlines and polling, in seconds")
    training: Training = Field(default_factory=Training, description="a mapping with wait")
    promotion: Promotion = Field(
        default_factory=Promotion,
        description="a mapping with metric, minImprovement, onReject, validationUsers, confidence, minUsers, resamples",
    )
    # A guard against a costly typo: a campaign bills its minimum TPS every hour.
    max_provisioned_tps: int = Field(
        DEFAULT_MAX_PROVISIONED_TPS,
        ge=1,
        alias="maxProvisionedTPS",
        description="the most minProvisionedTPS any campaign of this stack may ask for, an integer of at least 1",
    )
    # Tagged on every resource as the environment; the stack's name by default.
    environment: Annotated[str, Field(min_length=1, max_length=256)] | None = Field(
        None, description="a tag value of at most 256 characters, or omit it for the stack's name"
    )
    tags: Tags = Field(default_factory=dict)
    completion_signal: CompletionSignal = Field(
        default_factory=CompletionSignal,
        description="a mapping with enabled, schedule, github, snsTopic",
    )
    notifications: Notifications = Field(
        default_factory=Notifications, description="a mapping with snsTopic, emails, webhookUrl"
    )
    quotas: Quotas = Field(
        default_factory=Quotas,
        description="a mapping with activeDatasetGroups, activeSolutions, activeCampaigns, recommenders, activeFilters",
    )

    @model_validator(mode="after")
    def _rules(self) -> "StackConfig":
        if inconsistent := waits_inconsistency(dict(self.waits)):
            key, value, allowed = inconsistent
            raise rule(allowed, f"waits.{key}", value)
        for i, experiment in enumerate(self.experiments):
            if experiment.min_provisioned_tps > self.max_provisioned_tps:
                raise rule(
                    f"at most {self.max_provisioned_tps}, this stack's maxProvisionedTPS (a guard against a costly "
                    "typo: a campaign bills its minimum every hour); raise personalize:maxProvisionedTPS to allow more",
                    f"experiments[{i}].minProvisionedTPS",
                    experiment.min_provisioned_tps,
                )
        seen: set[str] = set()
        for i, experiment in enumerate(self.experiments):
            if experiment.name in seen:
                raise rule("a name no other experiment of this stack uses", f"experiments[{i}].name", experiment.name)
            seen.add(experiment.name)
        self._group_rules()
        if not self.storage.bucket_name:
            # The bucket and role the program creates let Personalize read batch users
            # files under batch-input/ only; a key elsewhere would fail the job at run time.
            for i, experiment in enumerate(self.experiments):
                batch = experiment.batch_inference
                if batch and not batch.input_key.startswith(BATCH_INPUT_PREFIX):
                    raise rule(
                        f"a key under {BATCH_INPUT_PREFIX}, which Personalize may read in the bucket this "
                        "stack creates",
                        f"experiments[{i}].batchInference.inputKey",
                        batch.input_key,
                    )
        self._quota_rules()
        self._topic_rules()
        return self

    def _topic_rules(self) -> None:
        """One topic per stack: where notifications and the completion signal both name one, the same."""
        own, signal = self.notifications.sns_topic, self.completion_signal
        if own is False or not signal.enabled or signal.sns_topic is False or own == signal.sns_topic:
            return
        if own is True and isinstance(signal.sns_topic, str):
            return  # true: the stack's topic, which is the completion signal's ARN
        raise rule(
            f"true or the completion signal's topic ({signal.sns_topic if isinstance(signal.sns_topic, str) else 'the one it creates'}): "
            "a stack has one topic",
            "notifications.snsTopic",
            own,
        )

    def _group_rules(self) -> None:
        groups = {g.name: g for g in self.dataset_groups}
        own = {e.name for e in self.experiments if e.dataset_version is not None}
        for i, group in enumerate(self.dataset_groups):
            if list(groups).index(group.name) != i or group.name in own:
                raise rule(
                    "a name no other dataset group uses, nor an experiment with datasetVersion (which has a group "
                    "of that name)",
                    f"datasetGroups[{i}].name",
                    group.name,
                )
        if self.dataset_groups and not self.storage.bucket_name:
            # The schemas of a group's datasets come from the exported version, which
            # the preview reads from the bucket; a bucket the program creates holds
            # nothing before its first `up`.
            raise rule(
                "datasetGroups with a bucket the stack is brought (storage.bucketName and roleArn), whose "
                "exported versions the preview reads the schemas from; with a bucket the stack creates, use "
                "experiments with datasetVersion",
                "datasetGroups",
                [g.name for g in self.dataset_groups],
            )
        for i, experiment in enumerate(self.experiments):
            if experiment.dataset_group is None:
                continue
            member_of = groups.get(experiment.dataset_group)
            if member_of is None:
                raise rule(
                    f"one of this stack's datasetGroups: {', '.join(groups) or 'none declared'}",
                    f"experiments[{i}].datasetGroup",
                    experiment.dataset_group,
                )
            if experiment.served_by_recommender and member_of.domain != DOMAIN_RECIPES[experiment.recipe].domain:
                raise rule(
                    f"a custom recipe, or a domain recipe of the group's domain ({member_of.domain or 'none'}); "
                    f"{experiment.recipe} is a {DOMAIN_RECIPES[experiment.recipe].domain} use case",
                    f"experiments[{i}].recipe",
                    experiment.recipe,
                )
            if member_of.datasets is not None:
                missing = [d for d in required_datasets(experiment.recipe) if d.lower() not in member_of.datasets]
                if missing:
                    raise rule(
                        f"a recipe that trains on the datasets of group {member_of.name} "
                        f"({', '.join(member_of.datasets)}); {experiment.recipe} also needs {', '.join(missing)}",
                        f"experiments[{i}].recipe",
                        experiment.recipe,
                    )
            chosen = experiment.batch_inference.filter if experiment.batch_inference else None
            if chosen is not None and chosen not in member_of.filters:
                raise rule(
                    f"one of the filters of group {member_of.name}: {', '.join(member_of.filters) or 'none declared'}",
                    f"experiments[{i}].batchInference.filter",
                    chosen,
                )

    def _quota_rules(self) -> None:
        quotas = self.quotas
        groups = [g.name for g in self.dataset_groups] + [e.name for e in self.experiments if e.dataset_version]
        if len(groups) > quotas.active_dataset_groups:
            at = "datasetGroups" if self.dataset_groups else "experiments"
            raise _over_quota("activeDatasetGroups", quotas.active_dataset_groups, "dataset groups", groups, at)
        for name in groups:
            members = [e for e in self.experiments if e.group_name == name]
            campaigns = [e.name for e in members if not e.served_by_recommender]
            recommenders = [e.name for e in members if e.served_by_recommender]
            group = next((i for i, g in enumerate(self.dataset_groups) if g.name == name), None)
            if group is not None:
                filters, filters_at = list(self.dataset_groups[group].filters), f"datasetGroups[{group}].filters"
            else:
                filters, filters_at = (
                    list(members[0].filters),
                    f"experiments[{self.experiments.index(members[0])}].filters",
                )
            for key, limit, what, names, at in (
                ("activeSolutions", quotas.active_solutions, "solutions", campaigns, "experiments"),
                ("activeCampaigns", quotas.active_campaigns, "campaigns", campaigns, "experiments"),
                ("recommenders", quotas.recommenders, "recommenders", recommenders, "experiments"),
                ("activeFilters", quotas.active_filters, "filters", filters, filters_at),
            ):
                if len(names) > limit:
                    raise _over_quota(key, limit, f"{what} in dataset group {name}", names, at)

    def resource_inputs(self) -> dict[str, Any]:
        """The inputs every Personalize resource of the stack takes: where, and how long to wait."""
        return {"region": self.connection.region, "endpoint": self.connection.endpoint, "waits": self.waits or None}

    def base_name(self, name: str) -> str:
        """What the physical names of an experiment's or a group's resources start with."""
        return bounded_name([self.stack, name])

    def waits_for_training(self, experiment: Experiment) -> bool:
        return self.training.wait if experiment.wait is None else experiment.wait

    @cached_property
    def _groups(self) -> tuple[DatasetGroup, ...]:
        own = tuple(
            DatasetGroup(
                name=e.name,
                dataset_version=e.dataset_version,
                datasets=("interactions",),
                event_tracker=e.event_tracker,
                filters=e.filters,
            )
            for e in self.experiments
            if e.dataset_version is not None
        )
        return self.dataset_groups + own

    def groups(self) -> tuple[DatasetGroup, ...]:
        """Every dataset group of the stack: the declared ones, and one per
        experiment of the first form (datasetVersion), named after it."""
        return self._groups

    def group(self, name: str) -> DatasetGroup:
        return next(g for g in self.groups() if g.name == name)

    def members(self, group: str) -> tuple[Experiment, ...]:
        return tuple(e for e in self.experiments if e.group_name == group)


def _over_quota(key: str, limit: int, what: str, names: list[str], at: str) -> Any:
    return rule(
        f"at most {limit} {what}, the quota {QUOTA_WORDS[key]!r} "
        f"(https://docs.aws.amazon.com/personalize/latest/dg/limits.html); once AWS raised it, "
        f"set personalize:quotas.{key}",
        at,
        f"{len(names)}: {', '.join(names)}",
    )


def parse(stack: str, raw: Mapping[str, Any]) -> StackConfig:
    """`raw` maps the project's config keys (without the `personalize:` prefix) to their values."""
    if "stack" in raw:  # the field that carries the stack's name is not a config key
        raise ConfigError(
            stack,
            "personalize.stack",
            raw["stack"],
            "one of the keys "
            + ", ".join(k for k in StackConfig.model_json_schema(by_alias=True)["properties"] if k != "stack"),
        )
    try:
        return StackConfig.model_validate({**raw, "stack": stack})
    except ValidationError as failure:
        problem = first_problem(StackConfig, failure, hidden=("stack",))
        key = f"personalize.{problem.key}" if problem.top_level_key else problem.key
        raise ConfigError(stack, key, problem.value, problem.allowed) from None


def namespaced(stack: str, config: Mapping[str, str] | None) -> dict[str, Any]:
    """The `personalize:` keys of the engine's config (full key -> JSON text).

    Every key of this project's namespace is read, not only the known ones, so
    a misspelt key is an error instead of a silently ignored setting, and so is
    a key under a namespace that means nothing here (`personalise:training`)."""
    import json

    raw: dict[str, Any] = {}
    # A stack with no config at all comes as None (PULUMI_CONFIG=null): then the
    # first missing key (experiments) is the error.
    for full_key, value in (config or {}).items():
        namespace, _, key = full_key.partition(":")
        if namespace not in NAMESPACES:
            raise ConfigError(
                stack,
                full_key,
                _decoded(json, value),
                f"a key under one of the namespaces {', '.join(f'{n}:' for n in NAMESPACES)}",
            )
        if namespace == "personalize":
            raw[key] = _decoded(json, value)
    return raw


def _decoded(json: Any, value: Any) -> Any:
    try:
        return json.loads(value)
    except (TypeError, ValueError):
        return value


def load() -> StackConfig:
    """Read the current stack's configuration through the Pulumi runtime."""
    import pulumi
    from pulumi.runtime.config import CONFIG

    stack = pulumi.get_stack()
    config = CONFIG.get() or {}
    loaded = parse(stack, namespaced(stack, config))
    connection = resolve_connection(loaded, config)
    use(connection)
    # Every resource is in the connection's region, however the stack names it.
    return loaded.model_copy(update={"connection": loaded.connection.model_copy(update={"region": connection.region})})


def resolve_connection(stack: StackConfig, config: Mapping[str, Any]) -> AwsConnection:
    """The one connection of the run: pulumi-aws's settings (aws:*), with the older
    `personalize:connection` keys, which must agree."""
    try:
        aws = connection_from_config(lambda key: config.get(key))
    except BadConnection as error:
        raise ConfigError(stack.stack, error.key, error.value, error.allowed) from None
    own = stack.connection
    if own.region and aws.region and own.region != aws.region:
        raise ConfigError(
            stack.stack,
            "personalize:connection.region",
            own.region,
            f"the region pulumi-aws is given (aws:region {aws.region}), or omit it: "
            "the bucket and role would be in one region and the dataset groups in another",
        )
    region = own.region or aws.region
    # The older single endpoint is every service's (the emulator serves them all).
    endpoints = dict(aws.endpoints)
    if own.endpoint:
        endpoints = {service: endpoints.get(service, own.endpoint) for service in CONNECTED_SERVICES}
    return replace(aws, region=region, endpoints=tuple(sorted(endpoints.items())))


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the `personalize:` config, for editors (see stacks/schema.py)."""
    schema = StackConfig.model_json_schema(by_alias=True)
    schema["properties"].pop("stack", None)
    return schema
