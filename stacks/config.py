"""The stack's configuration, read into typed models and validated before any
resource is registered, so a bad `Pulumi.<stack>.yaml` fails the preview with a
message that names the stack, the key, the value and what is allowed.

Every default lives here, in the dataclasses' field defaults."""

import re
from dataclasses import dataclass, field
from typing import Any, Mapping

from common.layout import BATCH_INPUT_PREFIX

RECIPES = (
    "aws-user-personalization",
    "aws-user-personalization-v2",
    "aws-popularity-count",
    "aws-sims",
    "aws-similar-items",
    "aws-personalized-ranking",
    "aws-personalized-ranking-v2",
)
# Recipes whose solutions can train in UPDATE mode between full retrains.
UPDATE_MODE_RECIPES = ("aws-user-personalization", "aws-user-personalization-v2")
TRAINING_MODES = ("FULL", "UPDATE")
# Experiment names become parts of resource names (at most 63 characters).
NAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]{0,29}")
VERSION_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,39}")
# The service's default quota of dataset groups per region.
MAX_EXPERIMENTS = 5
WAIT_KEYS = ("createSeconds", "updateSeconds", "deleteSeconds", "initialPollSeconds", "maxPollSeconds")


class ConfigError(ValueError):
    def __init__(self, stack: str, key: str, value: Any, allowed: str):
        super().__init__(f"stack {stack!r}: config key {key!r} has value {value!r}; allowed: {allowed}")
        self.key = key


@dataclass(frozen=True)
class BatchInference:
    # An object key in the data bucket: JSON lines of {"userId": ...} (or itemId).
    input_key: str
    num_results: int = 25
    # One of the experiment's filters, by name.
    filter: str | None = None


@dataclass(frozen=True)
class Experiment:
    name: str
    recipe: str
    dataset_version: str
    min_provisioned_tps: int = 1
    event_type: str | None = None
    training_mode: str = "FULL"
    solution_config: dict = field(default_factory=dict)
    campaign_config: dict = field(default_factory=dict)
    event_tracker: bool = False
    filters: dict = field(default_factory=dict)
    batch_inference: BatchInference | None = None

    @property
    def recipe_arn(self) -> str:
        return f"arn:aws:personalize:::recipe/{self.recipe}"


@dataclass(frozen=True)
class Connection:
    region: str | None = None
    # An endpoint URL such as the local emulator's; None is AWS itself.
    endpoint: str | None = None


@dataclass(frozen=True)
class Storage:
    # Both None: the program creates the bucket and the role with secure defaults.
    bucket_name: str | None = None
    role_arn: str | None = None
    # Encrypt a created bucket with this KMS key instead of S3-managed keys.
    kms_key_arn: str | None = None


@dataclass(frozen=True)
class Training:
    # False: `up` starts imports and training and returns while the campaign
    # keeps its model; a later `up` picks up the finished version.
    wait: bool = True


@dataclass(frozen=True)
class Promotion:
    metric: str = "normalized_discounted_cumulative_gain_at_10"
    # How much better (absolute) the challenger must score; negative tolerates a small loss.
    min_improvement: float = 0.0
    # What a rejection does to `up`: "warn" keeps the champion and goes on, "fail" stops.
    on_reject: str = "warn"
    # Score versions on the dataset version's held-out interactions too (a batch
    # inference job per version), for at most this many validation users; None: off.
    validation_users: int | None = None


@dataclass(frozen=True)
class StackConfig:
    stack: str
    experiments: tuple[Experiment, ...]
    connection: Connection = field(default_factory=Connection)
    storage: Storage = field(default_factory=Storage)
    waits: dict = field(default_factory=dict)
    training: Training = field(default_factory=Training)
    promotion: Promotion = field(default_factory=Promotion)


class _Reader:
    """Reads one stack's raw config, raising ConfigError at the first problem."""

    def __init__(self, stack: str):
        self.stack = stack

    def fail(self, key: str, value: Any, allowed: str):
        raise ConfigError(self.stack, key, value, allowed)

    def mapping(self, key: str, value: Any, allowed_keys: tuple[str, ...]) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            self.fail(key, value, "a mapping")
        for unknown in sorted(set(value) - set(allowed_keys)):
            self.fail(f"{key}.{unknown}", value[unknown], f"one of the keys {', '.join(allowed_keys)}")
        return value

    def string(self, key: str, value: Any, pattern: re.Pattern | None = None, allowed: str = "a non-empty string") -> str:
        if not isinstance(value, str) or not value or (pattern and not pattern.fullmatch(value)):
            self.fail(key, value, allowed)
        return value

    def optional_string(self, key: str, raw: Mapping, member: str, allowed: str) -> str | None:
        return None if raw.get(member) is None else self.string(f"{key}.{member}", raw[member], allowed=allowed)

    def experiment(self, key: str, raw: Any) -> Experiment:
        raw = self.mapping(key, raw, ("name", "recipe", "datasetVersion", "minProvisionedTPS", "eventType",
                                      "trainingMode", "solutionConfig", "campaignConfig", "eventTracker", "filters",
                                      "batchInference"))
        name = self.string(f"{key}.name", raw.get("name"), NAME_PATTERN,
                           "lower-case letters, digits and hyphens, starting with a letter or digit, at most 30 characters")
        recipe = self.string(f"{key}.recipe", raw.get("recipe"), allowed=", ".join(RECIPES))
        if recipe not in RECIPES:
            self.fail(f"{key}.recipe", recipe, ", ".join(RECIPES))
        version = self.string(f"{key}.datasetVersion", raw.get("datasetVersion"), VERSION_PATTERN,
                              "the name of an exported dataset version: letters, digits, '.', '_' or '-', at most 40 characters")
        tps = raw.get("minProvisionedTPS", Experiment.min_provisioned_tps)
        if isinstance(tps, bool) or not isinstance(tps, int) or tps < 1:
            self.fail(f"{key}.minProvisionedTPS", tps, "an integer of at least 1")
        mode = raw.get("trainingMode", Experiment.training_mode)
        if mode not in TRAINING_MODES:
            self.fail(f"{key}.trainingMode", mode, ", ".join(TRAINING_MODES))
        if mode == "UPDATE" and recipe not in UPDATE_MODE_RECIPES:
            self.fail(f"{key}.trainingMode", mode, f"FULL for {recipe}; UPDATE only with {', '.join(UPDATE_MODE_RECIPES)}")
        tracker = raw.get("eventTracker", Experiment.event_tracker)
        if not isinstance(tracker, bool):
            self.fail(f"{key}.eventTracker", tracker, "true or false")
        filters = dict(self.mapping(f"{key}.filters", raw.get("filters", {}), tuple(raw.get("filters") or {})))
        for filter_name, expression in filters.items():
            self.string(f"{key}.filters.{filter_name}", filter_name, NAME_PATTERN, "filter names like experiment names")
            self.string(f"{key}.filters.{filter_name}", expression, allowed="a filter expression string")
        return Experiment(
            name=name, recipe=recipe, dataset_version=version, min_provisioned_tps=tps,
            event_type=self.optional_string(key, raw, "eventType", "an event type string"),
            training_mode=mode,
            solution_config=dict(self.mapping(f"{key}.solutionConfig", raw.get("solutionConfig", {}), tuple(raw.get("solutionConfig") or {}))),
            campaign_config=dict(self.mapping(f"{key}.campaignConfig", raw.get("campaignConfig", {}), tuple(raw.get("campaignConfig") or {}))),
            event_tracker=tracker, filters=filters,
            batch_inference=self.batch_inference(f"{key}.batchInference", raw.get("batchInference"), filters))

    def batch_inference(self, key: str, raw: Any, filters: dict) -> BatchInference | None:
        if raw is None:
            return None
        raw = self.mapping(key, raw, ("inputKey", "numResults", "filter"))
        input_key = self.string(f"{key}.inputKey", raw.get("inputKey"), allowed="an object key in the data bucket (required)")
        count = raw.get("numResults", BatchInference.num_results)
        if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= 500:
            self.fail(f"{key}.numResults", count, "an integer from 1 to 500")
        chosen = raw.get("filter")
        if chosen is not None and chosen not in filters:
            self.fail(f"{key}.filter", chosen, f"one of this experiment's filters: {', '.join(filters) or 'none declared'}")
        return BatchInference(input_key, count, chosen)

    def stack_config(self, raw: Mapping[str, Any]) -> StackConfig:
        raw = self.mapping("personalize", raw, ("experiments", "connection", "storage", "waits", "training", "promotion"))
        items = raw.get("experiments")
        if not isinstance(items, list) or not items:
            self.fail("experiments", items, "a non-empty list of experiments")
        if len(items) > MAX_EXPERIMENTS:
            self.fail("experiments", f"{len(items)} experiments",
                      f"at most {MAX_EXPERIMENTS}, the per-region quota of dataset groups (raise it with AWS first)")
        experiments = tuple(self.experiment(f"experiments[{i}]", item) for i, item in enumerate(items))
        seen: set[str] = set()
        for i, experiment in enumerate(experiments):
            if experiment.name in seen:
                self.fail(f"experiments[{i}].name", experiment.name, "a name no other experiment of this stack uses")
            seen.add(experiment.name)

        connection = self.mapping("connection", raw.get("connection", {}), ("region", "endpoint"))
        storage = self.mapping("storage", raw.get("storage", {}), ("bucketName", "roleArn", "kmsKeyArn"))
        bucket = self.optional_string("storage", storage, "bucketName", "the name of an existing bucket, or omit it to create one")
        role = self.optional_string("storage", storage, "roleArn", "the ARN of an existing role Personalize can assume")
        if bool(bucket) != bool(role):
            missing = "roleArn" if bucket else "bucketName"
            self.fail(f"storage.{missing}", None, "bring both bucketName and roleArn, or neither to create both")
        kms = self.optional_string("storage", storage, "kmsKeyArn", "the ARN of a KMS key")
        if kms and bucket:
            self.fail("storage.kmsKeyArn", kms, "only with a bucket the program creates; a brought bucket keeps its own encryption")
        if not bucket:
            self.created_bucket_reads_batch_input(experiments)
        waits = self.mapping("waits", raw.get("waits", {}), WAIT_KEYS)
        for key, value in waits.items():
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                self.fail(f"waits.{key}", value, "a positive number of seconds")
        return StackConfig(
            stack=self.stack, experiments=experiments,
            connection=Connection(self.optional_string("connection", connection, "region", "an AWS region name"),
                                  self.optional_string("connection", connection, "endpoint", "an endpoint URL")),
            storage=Storage(bucket, role, kms), waits=dict(waits),
            training=self.training(raw.get("training", {})), promotion=self.promotion(raw.get("promotion", {})))

    def created_bucket_reads_batch_input(self, experiments: tuple[Experiment, ...]) -> None:
        """The bucket and role the program creates let Personalize read batch users
        files under batch-input/ only; a key elsewhere would fail the job at run time."""
        for i, experiment in enumerate(experiments):
            batch = experiment.batch_inference
            if batch and not batch.input_key.startswith(BATCH_INPUT_PREFIX):
                self.fail(f"experiments[{i}].batchInference.inputKey", batch.input_key,
                          f"a key under {BATCH_INPUT_PREFIX}, which Personalize may read in the bucket this stack creates")

    def training(self, raw: Any) -> Training:
        raw = self.mapping("training", raw, ("wait",))
        wait = raw.get("wait", Training.wait)
        if not isinstance(wait, bool):
            self.fail("training.wait", wait, "true (up waits for imports and training) or false (up starts them and returns)")
        return Training(wait)

    def promotion(self, raw: Any) -> Promotion:
        from providers.promotion import METRICS, ON_REJECT

        raw = self.mapping("promotion", raw, ("metric", "minImprovement", "onReject", "validationUsers"))
        metric = raw.get("metric", Promotion.metric)
        if metric not in METRICS:
            self.fail("promotion.metric", metric, ", ".join(METRICS))
        margin = raw.get("minImprovement", Promotion.min_improvement)
        if isinstance(margin, bool) or not isinstance(margin, (int, float)) or not -1 <= margin <= 1:
            self.fail("promotion.minImprovement", margin, "a number from -1 to 1 (metrics range from 0 to 1)")
        on_reject = raw.get("onReject", Promotion.on_reject)
        if on_reject not in ON_REJECT:
            self.fail("promotion.onReject", on_reject, ", ".join(ON_REJECT))
        users = raw.get("validationUsers")
        if users is not None and (isinstance(users, bool) or not isinstance(users, int) or not 1 <= users <= 100_000):
            self.fail("promotion.validationUsers", users, "an integer from 1 to 100000, or omit it to score on the service's metrics only")
        if metric.startswith("validation.") and users is None:
            self.fail("promotion.metric", metric, "a service metric, or set promotion.validationUsers to score on the validation set")
        return Promotion(metric, float(margin), on_reject, users)


def parse(stack: str, raw: Mapping[str, Any]) -> StackConfig:
    """`raw` maps the project's config keys (without the `personalize:` prefix) to their values."""
    return _Reader(stack).stack_config(raw)


def load() -> StackConfig:
    """Read the current stack's configuration through the Pulumi runtime.

    Every key of this project's namespace is read, not only the known ones, so
    a misspelt key is an error instead of a silently ignored setting."""
    import json

    import pulumi
    from pulumi.runtime.config import CONFIG

    prefix = f"{pulumi.get_project()}:"
    raw: dict[str, Any] = {}
    for full_key, value in CONFIG.get().items():
        if full_key.startswith(prefix):
            try:
                raw[full_key[len(prefix):]] = json.loads(value)
            except (TypeError, ValueError):
                raw[full_key[len(prefix):]] = value
    return parse(pulumi.get_stack(), raw)
