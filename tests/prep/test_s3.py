"""prep reads its sources from, and exports to, the emulator's S3 as it would AWS's."""

import json

import yaml

from prep.config import load_config
from prep.pipeline import prepare
from tests.helpers.data import interactions_csv


def test_sources_and_export_on_s3(aws, personalize_local, tmp_path):
    s3 = aws("s3")
    s3.create_bucket(Bucket="raw")
    s3.create_bucket(Bucket="lake")
    # A source split over two objects under one prefix, as exports often are.
    body = interactions_csv(rows=1800, seed=3).decode().splitlines()
    header, lines = body[0], body[1:]
    s3.put_object(Bucket="raw", Key="events/part-0.csv", Body="\n".join([header, *lines[:900]]).encode())
    s3.put_object(Bucket="raw", Key="events/part-1.csv", Body="\n".join([header, *lines[900:]]).encode())
    config = tmp_path / "dataset.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "name": "s3",
                "holdout": {"days": 7},
                "interactions": {
                    "sources": [{"kind": "csv", "path": "s3://raw/events/"}],
                    "mapping": {name: {"column": name} for name in ("USER_ID", "ITEM_ID", "EVENT_TYPE", "TIMESTAMP")},
                },
            }
        )
    )

    manifest = prepare(load_config(str(config)), "2024-w01", "s3://lake/team", s3_endpoint=personalize_local.endpoint)

    assert manifest["training"]["rows"] + manifest["validation"]["rows"] == len(lines)
    assert manifest["location"] == "s3://lake/team/datasets/2024-w01/"
    stored = json.loads(s3.get_object(Bucket="lake", Key="team/datasets/2024-w01/manifest.json")["Body"].read())
    assert stored["files"] == manifest["files"]
    listed = {o["Key"] for o in s3.list_objects_v2(Bucket="lake", Prefix="team/datasets/2024-w01/")["Contents"]}
    assert listed == {f"team/datasets/2024-w01/{name}" for name in [*manifest["files"], "manifest.json"]}
