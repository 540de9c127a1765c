"""Which user ids an experiment has seen: those in the training interactions of
the dataset version it was deployed with. The service answers an unknown user
with popular items without a word; the commands say so instead, unless asked
for cold-start recommendations on purpose."""

import io

from common.layout import INTERACTIONS_FILE, dataset_file
from serving.outputs import Experiment, StackOutputs


def unknown_users(outputs: StackOutputs, experiment: Experiment, user_ids: list[str]) -> list[str]:
    """The ids among `user_ids` with no interaction in the experiment's training data, in order."""
    import polars as pl

    key = dataset_file(experiment.dataset_version, INTERACTIONS_FILE)
    try:
        body = outputs.client("s3").get_object(Bucket=outputs.bucket, Key=key)["Body"].read()
    except Exception as error:
        raise ValueError(f"cannot read s3://{outputs.bucket}/{key} to check user ids: {error}") from None
    # Ids stay text: "007" and "7" are different users.
    seen = set(pl.read_csv(io.BytesIO(body), columns=["USER_ID"], infer_schema=False)["USER_ID"].to_list())
    return [user for user in user_ids if user not in seen]


def require_known(outputs: StackOutputs, experiment: Experiment, user_ids: list[str]) -> None:
    unknown = unknown_users(outputs, experiment, user_ids)
    if unknown:
        shown = ", ".join(repr(u) for u in unknown[:5]) + (f" and {len(unknown) - 5} more" if len(unknown) > 5 else "")
        raise ValueError(
            f"unknown user id {shown}: no interactions in dataset version {experiment.dataset_version} "
            f"of experiment {experiment.name}; the service would answer with popular items only. "
            f"Pass --allow-unknown-users for cold-start recommendations on purpose"
        )
