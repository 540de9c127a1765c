"""Where things live in the data bucket, and which of them Personalize may
touch: the programs that write these prefixes and files, the programs that
read them, and the policies that let the service in all take them from here,
so a new kind of file cannot miss its grant."""

DATASETS_PREFIX = "datasets/"  # python -m prep exports; imports read them
BATCH_INPUT_PREFIX = "batch-input/"  # users files of batch inference jobs
BATCH_OUTPUT_PREFIX = "batch-output/"  # what batch inference jobs write
EVALUATIONS_PREFIX = "evaluations/"  # validation users and the recommendations scored on them
EXPORTS_PREFIX = "exports/"  # what dataset export jobs write
METRICS_PREFIX = "metrics/"  # what metric attributions write, when asked to
PROMOTIONS_PREFIX = "promotions/"  # the promotion gate's history: written by the deployer only

PERSONALIZE_READS = (DATASETS_PREFIX, BATCH_INPUT_PREFIX, EVALUATIONS_PREFIX)
PERSONALIZE_WRITES = (BATCH_OUTPUT_PREFIX, EVALUATIONS_PREFIX, EXPORTS_PREFIX, METRICS_PREFIX)

# The files of one exported dataset version, relative to its prefix.
INTERACTIONS_FILE = "interactions.csv"
ITEMS_FILE = "items.csv"
USERS_FILE = "users.csv"
# Each dataset's file, by the kind data preparation exports it as.
DATASET_FILES = {"interactions": INTERACTIONS_FILE, "items": ITEMS_FILE, "users": USERS_FILE}
VALIDATION_INTERACTIONS_FILE = "validation/interactions.csv"  # held out for the promotion gate
SCHEMAS_DIR = "schemas/"  # schemas/<kind>.json: the Avro schema of each dataset
# The training interactions' distinct user ids, for serving's check of a user id
# (format: common/user_index.py). Not a dataset: no import reads it (an import's
# location is its dataset's file, never the version's folder).
USER_INDEX_FILE = "user-index.bin"
# Data preparation writes it last: a version is exported once its manifest is there.
MANIFEST_FILE = "manifest.json"

# What a batch job writes for one input file: the input's name with this suffix.
BATCH_OUTPUT_SUFFIX = ".out"


def dataset_prefix(version: str) -> str:
    """Where data preparation exports a dataset version, under the bucket."""
    return f"{DATASETS_PREFIX}{version}/"


def dataset_file(version: str, name: str) -> str:
    """The key of one file of an exported version, e.g. its manifest."""
    return f"{dataset_prefix(version)}{name}"


def schema_file(kind: str) -> str:
    """The schema of one dataset kind (interactions, items, users), relative to the version."""
    return f"{SCHEMAS_DIR}{kind}.json"


def promotion_history_key(campaign: str) -> str:
    return f"{PROMOTIONS_PREFIX}{campaign}.jsonl"


def evaluation_scores_key(dataset_version: str, version_id: str) -> str:
    """Each validation user's ranking metrics of one solution version, as the gate
    scored it on a dataset version's held-out users: the leaderboard's intervals
    (evaluation/report.py) are computed from these. Under the version's batch output."""
    return f"{EVALUATIONS_PREFIX}{dataset_version}/{version_id}/scores.json"


# The completion signal's memory (completion/): what it saw of the stack's long
# operations at its last run. Written and read by the scheduled function only.
COMPLETION_PREFIX = "completion/"


def completion_state_key(stack: str) -> str:
    return f"{COMPLETION_PREFIX}{stack}.json"
