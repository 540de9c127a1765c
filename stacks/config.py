"""The stack's configuration (`personalize:` keys of `Pulumi.<stack>.yaml`) as
pydantic models, validated before any resource is registered, so a bad value
fails the preview with one message that names the stack, the key, the value
and what is allowed.

Every default and rule lives here: types and ranges on the fields, the rules
that involve several keys as validators. Each field's description is what is
allowed; it is both the error message's last part and the editor's hint in
the published JSON Schema (schema/personalize-config.schema.json)."""

from collections.abc import Mapping
from functools import lru_cache
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
from common.names import DATASET_VERSION_ALLOWED, DATASET_VERSION_PATTERN
from common.recipes import SUPPORT, recipes_with
from common.statuses import METRICS, VALIDATION_PREFIX
from evaluation.gate import DEFAULT_METRIC, ON_REJECT
from service.waiting import Waits, waits_inconsistency
from stacks.filters import problem as filter_problem
from stacks.schemas import GROUP_FIELDS

# What each recipe supports, with the documentation it comes from: common/recipes.py.
RECIPES = tuple(SUPPORT)
# Recipes whose solutions can train in UPDATE mode between full retrains.
UPDATE_MODE_RECIPES = tuple(name for name, support in SUPPORT.items() if "UPDATE" in support.training_modes)
TRAINING_MODES = ("FULL", "UPDATE")
# The datasets an experiment's dataset group gets (stacks/experiment.py).
STACK_DATASETS = ("INTERACTIONS",)
# Experiment names become parts of resource names (bounded to 63 characters).
NAME_PATTERN = r"[a-z0-9][a-z0-9-]{0,29}"
# The service's default quota of dataset groups per region.
MAX_EXPERIMENTS = 5
# Ten times what the shipped stacks ask for: about 1,460 USD a month per campaign at list price.
DEFAULT_MAX_PROVISIONED_TPS = 20
# The config namespaces a stack file may use: this project's, pulumi-aws's and the engine's.
NAMESPACES = ("personalize", "aws", "pulumi")


class ConfigError(ValueError):
    def __init__(self, stack: str, key: str, value: Any, allowed: str):
        super().__init__(f"stack {stack!r}: config key {key!r} has value {value!r}; allowed: {allowed}")
        self.key = key


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


class Experiment(_Model):
    name: ExperimentName
    recipe: Literal[RECIPES] = Field(description=", ".join(RECIPES))  # type: ignore[valid-type]
    dataset_version: DatasetVersion
    min_provisioned_tps: int = Field(1, ge=1, alias="minProvisionedTPS", description="an integer of at least 1")
    event_type: Annotated[str, Field(min_length=1)] | None = Field(None, description="an event type string")
    training_mode: Literal["FULL", "UPDATE"] = Field("FULL", description=", ".join(TRAINING_MODES))
    solution_config: dict[str, Any] = Field(
        default_factory=dict, description="a mapping: CreateSolution's solutionConfig"
    )
    campaign_config: dict[str, Any] = Field(
        default_factory=dict, description="a mapping: CreateCampaign's campaignConfig"
    )
    event_tracker: bool = Field(False, description="true or false")
    filters: dict[FilterName, FilterExpression] = Field(
        default_factory=dict, description="a mapping of filter names to expressions"
    )
    batch_inference: BatchInference | None = Field(None, description="a mapping with inputKey, numResults, filter")

    @model_validator(mode="after")
    def _rules(self) -> "Experiment":
        for name, expression in self.filters.items():
            if wrong := filter_problem(expression, GROUP_FIELDS):
                raise rule(wrong, f"filters.{name}", expression)
        for path, value, allowed in campaign_config_problems(self.campaign_config):
            raise rule(allowed, f"campaignConfig.{path}" if path else "campaignConfig", value)
        self._recipe_rules()
        chosen = self.batch_inference.filter if self.batch_inference else None
        if chosen is not None and chosen not in self.filters:
            raise rule(
                f"one of this experiment's filters: {', '.join(self.filters) or 'none declared'}",
                "batchInference.filter",
                chosen,
            )
        return self

    def _recipe_rules(self) -> None:
        """What the service documents for other recipes only (common/recipes.py)."""
        support = SUPPORT[self.recipe]
        if missing := [d for d in support.required_datasets if d not in STACK_DATASETS]:
            raise rule(
                f"a recipe that trains on the datasets this stack creates ({', '.join(STACK_DATASETS)}); "
                f"{self.recipe} also needs {', '.join(missing)}",
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

    @property
    def recipe_arn(self) -> str:
        return f"arn:aws:personalize:::recipe/{self.recipe}"


@lru_cache(maxsize=1)
def personalize_regions() -> tuple[str, ...]:
    """The regions botocore's endpoint data lists for Personalize, in every partition."""
    import botocore.session

    session = botocore.session.get_session()
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

    @model_validator(mode="after")
    def _rules(self) -> "Promotion":
        if self.metric.startswith(VALIDATION_PREFIX) and self.validation_users is None:
            raise rule(
                "a service metric, or set promotion.validationUsers to score on the validation set",
                "metric",
                self.metric,
            )
        return self


class StackConfig(_Model):
    """The `personalize:` keys of a stack file."""

    model_config = ConfigDict(title="personalize: config of Pulumi.<stack>.yaml")

    stack: str = Field("", exclude=True, description="the stack's name (not a config key)")
    # A list in the stack file (strict would take only a tuple).
    experiments: tuple[Experiment, ...] = Field(
        min_length=1, strict=False, description="a non-empty list of experiments"
    )
    connection: Connection = Field(default_factory=Connection, description="a mapping with region, endpoint")
    storage: Storage = Field(default_factory=Storage, description="a mapping with bucketName, roleArn, kmsKeyArn")
    waits: Waits = Field(default_factory=lambda: Waits(), description="a mapping of deadlines and polling, in seconds")
    training: Training = Field(default_factory=Training, description="a mapping with wait")
    promotion: Promotion = Field(
        default_factory=Promotion, description="a mapping with metric, minImprovement, onReject, validationUsers"
    )
    # A guard against a costly typo: a campaign bills its minimum TPS every hour.
    max_provisioned_tps: int = Field(
        DEFAULT_MAX_PROVISIONED_TPS,
        ge=1,
        alias="maxProvisionedTPS",
        description="the most minProvisionedTPS any campaign of this stack may ask for, an integer of at least 1",
    )

    @model_validator(mode="before")
    @classmethod
    def _quota(cls, raw: Any) -> Any:
        items = raw.get("experiments") if isinstance(raw, Mapping) else None
        if isinstance(items, list) and len(items) > MAX_EXPERIMENTS:
            raise rule(
                f"at most {MAX_EXPERIMENTS}, the per-region quota of dataset groups (raise it with AWS first)",
                "experiments",
                f"{len(items)} experiments",
            )
        return raw

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
        return self


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
    return parse(stack, namespaced(stack, CONFIG.get()))


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the `personalize:` config, for editors (see stacks/schema.py)."""
    schema = StackConfig.model_json_schema(by_alias=True)
    schema["properties"].pop("stack", None)
    return schema
