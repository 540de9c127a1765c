"""Reading the exported interactions without Polars: the promotion gate scores
versions inside the Pulumi provider host, which has the service core only."""

import io
import subprocess
import sys
from pathlib import Path

import pytest

from evaluation.validation import read_interactions, truth_sets


class FakeS3:
    class exceptions:
        class NoSuchKey(Exception):
            pass

    def __init__(self, body: bytes | None):
        self.body = body

    def get_object(self, Bucket: str, Key: str):
        if self.body is None:
            raise self.exceptions.NoSuchKey(Key)
        return {"Body": io.BytesIO(self.body)}


def read(body: bytes):
    return read_interactions(FakeS3(body), "bucket", "datasets/v1/validation/interactions.csv")


def test_ids_stay_text_and_rows_without_a_user_or_an_item_are_left_out():
    body = (
        "\ufeffUSER_ID,ITEM_ID,EVENT_TYPE,TIMESTAMP\r\n"
        "007,1,click,1\r\n"
        "7,01,,2\r\n"
        ",i2,click,3\r\n"  # no user
        "u3,,click,4\r\n"  # no item
        "\r\n"
        "u4\r\n"  # a short row
        '"u,5","i 5",purchase,5\r\n'
    ).encode()
    interactions = read(body)
    assert interactions.has_event_type
    assert list(interactions) == [("007", "1", "click"), ("7", "01", None), ("u,5", "i 5", "purchase")]


def test_the_event_type_filters_only_where_the_file_has_one():
    with_type = b"USER_ID,ITEM_ID,EVENT_TYPE\nu1,a,click\nu1,b,purchase\nu2,c,\nu1,a,click\n"
    assert truth_sets(read(with_type), "click") == {"u1": {"a"}}
    assert truth_sets(read(with_type)) == {"u1": {"a", "b"}, "u2": {"c"}}
    without = b"ITEM_ID,USER_ID\na,u1\nb,u2\n"
    assert truth_sets(read(without), "click") == {"u1": {"a"}, "u2": {"b"}}


def test_a_file_without_the_id_columns_or_at_all_is_named():
    with pytest.raises(ValueError, match="validation/interactions.csv has no ITEM_ID, USER_ID column"):
        read(b"user,item\nu1,a\n")
    with pytest.raises(ValueError, match="has no ITEM_ID, USER_ID column"):
        read(b"")
    with pytest.raises(FileNotFoundError, match="s3://bucket/datasets/v1/validation/interactions.csv does not exist"):
        read(None)


def test_scoring_needs_neither_polars_nor_pulumi_nor_the_providers():
    code = (
        "import sys, evaluation.validation, service.batch\n"
        "loaded = sorted({m.split('.')[0] for m in sys.modules} & {'polars', 'pulumi', 'providers'})\n"
        "print(','.join(loaded))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert result.stdout.strip() == ""
