"""personalize-local's data and model layer: dataset stores, training, inference, filters.

Pure functions over directories; no HTTP and no AWS calls. Modules: datasets
(import, PutEvents, PutItems/PutUsers), train (+ similarity, metrics, model),
infer (recommend, rank, batch) and filters (filter expressions).

Behaviour worth knowing when serving the API:
- Every store is one .npz per dataset (data.npz) or per model (model.npz + JSON),
  replaced atomically; model_info.json is written last and marks a complete model.
- Models: popularity-count = interaction counts; sims/similar-items = item-item
  cosine co-occurrence (top 100 neighbours per item); user-personalization(-v2)
  and personalized-ranking(-v2) = item-kNN over the user's 100 most recent
  interactions, recency-weighted (half-life 10 events), with popularity breaking
  ties and filling short lists; aws-next-best-action is the same model over
  Action_Interactions/ACTION_ID; aws-item-affinity trains that model too and
  batch_segment (segments.py) ranks users per item with it.
  algorithmHyperParameters are recorded and ignored.
- recommend: user recipes need userId, similar-items need itemId (ValueError
  naming it). Cold users and unknown itemIds get the most popular items. User
  recipes never return items already in the user's history; popularity-count
  does not exclude anything. Ranking recipes raise ValueError in recommend, and
  similar-items recipes in rank. context is accepted and ignored.
- With dataset_group_dir, the user's history is read from the current
  Interactions data (so PutEvents counts without retraining); without it, from
  the training snapshot. Filters read Items/Users/Interactions from
  dataset_group_dir, else from the group the model was trained on.
- batch_infer skips blank input lines; a bad line yields
  {"input": ..., "output": null, "error": "..."}.
"""

from .datasets import (
    append_events,
    dataset_counts,
    delete_users,
    deletion_user_ids,
    export_csv,
    import_dataset,
    put_records,
)
from .errors import FilterInvalid, ImportFailed, TrainingFailed
from .filters import CompiledFilter, compile_filter
from .infer import batch_infer, rank, recommend
from .schema import replacement_problems
from .segments import batch_segment
from .train import event_type_count, train

__all__ = [
    "CompiledFilter",
    "FilterInvalid",
    "ImportFailed",
    "TrainingFailed",
    "append_events",
    "batch_infer",
    "batch_segment",
    "compile_filter",
    "dataset_counts",
    "delete_users",
    "deletion_user_ids",
    "event_type_count",
    "export_csv",
    "import_dataset",
    "put_records",
    "rank",
    "recommend",
    "replacement_problems",
    "train",
]
