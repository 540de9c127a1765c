"""Where things live in the data bucket, and which of them Personalize may
touch: the programs that write these prefixes and the policies that let the
service in read them from here, so a new kind of file cannot miss its grant.
No Pulumi imports: the providers and commands use it too."""

DATASETS_PREFIX = "datasets/"            # python -m prep exports; imports read them
BATCH_INPUT_PREFIX = "batch-input/"      # users files of batch inference jobs
BATCH_OUTPUT_PREFIX = "batch-output/"    # what batch inference jobs write
EVALUATIONS_PREFIX = "evaluations/"      # validation users and the recommendations scored on them
PROMOTIONS_PREFIX = "promotions/"        # the promotion gate's history: written by the deployer only

PERSONALIZE_READS = (DATASETS_PREFIX, BATCH_INPUT_PREFIX, EVALUATIONS_PREFIX)
PERSONALIZE_WRITES = (BATCH_OUTPUT_PREFIX, EVALUATIONS_PREFIX)


def dataset_prefix(version: str) -> str:
    """Where data preparation exports a dataset version, under the bucket."""
    return f"{DATASETS_PREFIX}{version}/"
