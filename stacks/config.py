"""The stack's configuration, read into typed models and validated before any
resource is registered, so a bad `Pulumi.<stack>.yaml` fails the preview with a
message that names the stack, the key, the value and what is allowed."""

from dataclasses import dataclass, field
from typing import Any, Mapping

RECIPES = (
    "aws-user-personalization",
    "aws-user-personalization-v2",
    "aws-popularity-count",
    "aws-sims",
    "aws-similar-items",
    "aws-personalized-ranking",
    "aws-personalized-ranking-v2",
)
DEFAULT_MIN_PROVISIONED_TPS = 1


class ConfigError(ValueError):
    def __init__(self, stack: str, key: str, value: Any, allowed: str):
        super().__init__(f"stack {stack!r}: config key {key!r} has value {value!r}; allowed: {allowed}")
        self.key = key


@dataclass(frozen=True)
class Experiment:
    name: str
    recipe: str
    dataset_version: str
    min_provisioned_tps: int = DEFAULT_MIN_PROVISIONED_TPS

    @property
    def recipe_arn(self) -> str:
        return f"arn:aws:personalize:::recipe/{self.recipe}"


@dataclass(frozen=True)
class Storage:
    # None: the program creates a bucket with secure defaults.
    bucket_name: str | None = None


@dataclass(frozen=True)
class StackConfig:
    stack: str
    experiments: tuple[Experiment, ...]
    storage: Storage = field(default_factory=Storage)
    record_store: str = ".state/records"


def _mapping(stack: str, key: str, value: Any, allowed_keys: tuple[str, ...]) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ConfigError(stack, key, value, "a mapping")
    for unknown in sorted(set(value) - set(allowed_keys)):
        raise ConfigError(stack, f"{key}.{unknown}", value[unknown], f"one of the keys {', '.join(allowed_keys)}")
    return value


def _experiment(stack: str, key: str, raw: Any) -> Experiment:
    raw = _mapping(stack, key, raw, ("name", "recipe", "datasetVersion", "minProvisionedTPS"))
    for required in ("name", "recipe", "datasetVersion"):
        if not isinstance(raw.get(required), str) or not raw[required]:
            raise ConfigError(stack, f"{key}.{required}", raw.get(required), "a non-empty string (required)")
    if raw["recipe"] not in RECIPES:
        raise ConfigError(stack, f"{key}.recipe", raw["recipe"], ", ".join(RECIPES))
    tps = raw.get("minProvisionedTPS", DEFAULT_MIN_PROVISIONED_TPS)
    if isinstance(tps, bool) or not isinstance(tps, int) or tps < 1:
        raise ConfigError(stack, f"{key}.minProvisionedTPS", tps, "an integer of at least 1")
    return Experiment(raw["name"], raw["recipe"], raw["datasetVersion"], tps)


def parse(stack: str, raw: Mapping[str, Any]) -> StackConfig:
    """`raw` maps the project's config keys (without the `personalize:` prefix) to their values."""
    raw = _mapping(stack, "personalize", raw, ("experiments", "storage", "recordStore"))
    experiments_raw = raw.get("experiments")
    if not isinstance(experiments_raw, list) or not experiments_raw:
        raise ConfigError(stack, "experiments", experiments_raw, "a non-empty list of experiments")
    experiments = tuple(_experiment(stack, f"experiments[{i}]", item) for i, item in enumerate(experiments_raw))
    seen: set[str] = set()
    for i, experiment in enumerate(experiments):
        if experiment.name in seen:
            raise ConfigError(stack, f"experiments[{i}].name", experiment.name, "a name no other experiment of this stack uses")
        seen.add(experiment.name)

    storage_raw = _mapping(stack, "storage", raw.get("storage", {}), ("bucketName",))
    bucket_name = storage_raw.get("bucketName")
    if bucket_name is not None and (not isinstance(bucket_name, str) or not bucket_name):
        raise ConfigError(stack, "storage.bucketName", bucket_name, "the name of an existing bucket, or omit it to create one")
    record_store = raw.get("recordStore", ".state/records")
    if not isinstance(record_store, str) or not record_store:
        raise ConfigError(stack, "recordStore", record_store, "a directory path")
    return StackConfig(stack, experiments, Storage(bucket_name), record_store)


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
