"""The names of the service's statuses and of the metrics the project scores
models on, shared by the service core, the providers, the config and the
commands."""

ACTIVE = "ACTIVE"
CREATE_PENDING = "CREATE PENDING"
CREATE_IN_PROGRESS = "CREATE IN_PROGRESS"
CREATE_FAILED = "CREATE FAILED"
CREATE_STOPPED = "CREATE STOPPED"
DELETE_FAILED = "DELETE FAILED"
# A stopped recommender (https://docs.aws.amazon.com/personalize/latest/dg/stopping-starting-recommender.html).
INACTIVE = "INACTIVE"
# Ours, not the service's: a solution version whose import is still running.
WAITING_FOR_IMPORT = "WAITING FOR IMPORT"

CREATE_RUNNING = (CREATE_PENDING, CREATE_IN_PROGRESS)

# What GetSolutionMetrics reports for a solution version.
SERVICE_METRICS = (
    "coverage",
    "mean_reciprocal_rank_at_25",
    "normalized_discounted_cumulative_gain_at_5",
    "normalized_discounted_cumulative_gain_at_10",
    "normalized_discounted_cumulative_gain_at_25",
    "precision_at_5",
    "precision_at_10",
    "precision_at_25",
)
# What evaluation computes on a dataset version's held-out interactions.
VALIDATION_METRIC_NAMES = (
    "coverage",
    "mrr",
    *(f"{m}_at_{k}" for m in ("precision", "recall", "ndcg") for k in (5, 10, 25)),
)
VALIDATION_PREFIX = "validation."
VALIDATION_METRICS = tuple(f"{VALIDATION_PREFIX}{name}" for name in VALIDATION_METRIC_NAMES)
METRICS = SERVICE_METRICS + VALIDATION_METRICS
