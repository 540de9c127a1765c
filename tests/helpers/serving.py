"""The filter expressions of the experiment tests/serving/conftest.py deploys,
which the serving tests check answers against, and the dataset version it
serves, exported as data preparation does."""

NO_PURCHASES = 'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("purchase")'
NOT_THESE = "EXCLUDE ItemID WHERE Items.ITEM_ID IN ($ITEMS)"  # a placeholder, for filterValues


def version_objects(version: str, interactions: bytes, index: bool = True, block_ids: int | None = None) -> dict:
    """The objects (key -> bytes) of a dataset version whose training interactions are
    `interactions`, as data preparation exports them: the file, and with `index` its
    user index (prep/user_index.py) and a manifest listing both; without, the file
    alone (a version put there by hand)."""
    import hashlib
    import io
    import json
    import tempfile
    from pathlib import Path

    import polars as pl

    from common.layout import INTERACTIONS_FILE, MANIFEST_FILE, USER_INDEX_FILE, dataset_file
    from prep.user_index import write_user_index

    objects = {dataset_file(version, INTERACTIONS_FILE): interactions}
    if not index:
        return objects
    users = pl.read_csv(io.BytesIO(interactions), columns=["USER_ID"], infer_schema=False)["USER_ID"].unique()
    with tempfile.TemporaryDirectory() as tmp:
        entry = write_user_index([users], Path(tmp), **({"block_ids": block_ids} if block_ids else {}))
        objects[dataset_file(version, USER_INDEX_FILE)] = (Path(tmp) / USER_INDEX_FILE).read_bytes()
    files = {
        name: {"sha256": hashlib.sha256(objects[dataset_file(version, name)]).hexdigest()}
        for name in (INTERACTIONS_FILE, USER_INDEX_FILE)
    }
    manifest = {"version": version, "files": files, "user_index": entry}
    objects[dataset_file(version, MANIFEST_FILE)] = json.dumps(manifest).encode()
    return objects


def publish_version(s3, bucket: str, version: str, interactions: bytes, **kwargs) -> dict:
    """`version_objects` put in `bucket`; returns them."""
    objects = version_objects(version, interactions, **kwargs)
    for key, body in objects.items():
        s3.put_object(Bucket=bucket, Key=key, Body=body)
    return objects
