"""The unknown-user check on the emulator's S3, every S3 call it makes counted with
a botocore event hook: with the version's user index it reads the manifest and a
block, never the interactions, and a repeated check only the manifest; a version
exported before the index existed is read whole once, then checked from the cache."""

import csv
import io
import os

import pytest

from serving import users
from serving.outputs import StackOutputs
from tests.helpers.serving import publish_version

BUCKET = "users-check"
# Ids that sort in every way that could trip an order or an encoding: digits as text,
# upper before lower case, accents, a quote, a backslash, a newline, an emoji.
ODD_IDS = ["007", "7", "Zoe", "anna", "bob", "b\u00e9a", 'quo"te', "back\\slash", "new\nline", "\U0001f600", "u" * 256]


def interactions(user_ids: list[str]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["USER_ID", "ITEM_ID", "EVENT_TYPE", "TIMESTAMP"])
    for n, user in enumerate(user_ids):
        writer.writerow([user, f"i{n % 7}", "purchase", 1_700_000_000 + n])
    return out.getvalue().encode()


class Counted(StackOutputs):
    """Stack outputs for one experiment on `version`, whose S3 clients record each call:
    (operation, key, range)."""

    def __init__(self, endpoint: str, version: str):
        super().__init__(
            "test",
            {
                "bucket": BUCKET,
                "connection": {"region": "us-east-1", "endpoint": endpoint},
                "experiments": {"e": {"datasetVersion": version, "campaignArn": "arn:aws:personalize:::campaign/e"}},
            },
        )
        self.calls: list[tuple[str, str, str | None]] = []

    def client(self, service: str):
        made = super().client(service)
        made.meta.events.register(f"before-parameter-build.{service}", self._record)
        return made

    def _record(self, params, model, **_):
        self.calls.append((model.name, params.get("Key"), params.get("Range")))

    def check(self, user_ids: list[str], **kwargs) -> list[str]:
        self.calls = []
        return users.unknown_users(self, self.experiment("e"), user_ids, **kwargs)


@pytest.fixture(scope="module")
def s3(aws):
    client = aws("s3")
    client.create_bucket(Bucket=BUCKET)
    return client


@pytest.fixture
def notes():
    return []


def test_a_known_user_is_found_in_one_block_without_reading_the_interactions(s3, personalize_local):
    training = [f"u{n}" for n in range(40)]
    publish_version(s3, BUCKET, "indexed", interactions(training), block_ids=4)
    outputs = Counted(personalize_local.endpoint, "indexed")

    assert outputs.check(["u17"]) == []
    manifest, index = "datasets/indexed/manifest.json", "datasets/indexed/user-index.bin"
    assert [(op, key) for op, key, _ in outputs.calls] == [("GetObject", manifest), ("GetObject", index)] + [
        ("GetObject", index)
    ]
    ranges = [r for _, key, r in outputs.calls if key == index]
    assert all(r and r.startswith("bytes=") for r in ranges)

    # Again: the directory and the block come from the cache; only the manifest is read.
    assert outputs.check(["u17"]) == []
    assert outputs.calls == [("GetObject", manifest, None)]


def test_unknown_users_are_refused_with_the_same_message(s3, personalize_local):
    publish_version(s3, BUCKET, "refusing", interactions([f"u{n}" for n in range(40)]), block_ids=4)
    outputs = Counted(personalize_local.endpoint, "refusing")
    with pytest.raises(ValueError) as refused:
        users.require_known(outputs, outputs.experiment("e"), ["u3", "stranger", "u0x", "zz"])
    assert str(refused.value) == (
        "unknown user id 'stranger', 'u0x', 'zz': no interactions in dataset version refusing of experiment e; "
        "the service would answer with popular items only. Pass --allow-unknown-users for cold-start "
        "recommendations on purpose"
    )
    assert not any(key.endswith("interactions.csv") for _, key, _ in outputs.calls)


def test_many_users_read_each_block_they_need_once(s3, personalize_local):
    training = [f"u{n:03}" for n in range(100)]
    publish_version(s3, BUCKET, "many", interactions(training), block_ids=10)
    outputs = Counted(personalize_local.endpoint, "many")
    asked = [*training[::3], "u0005x", "a", "zzz", training[0], training[-1]]
    assert outputs.check(asked) == ["u0005x", "a", "zzz"]
    blocks_needed = len({training.index(u) // 10 for u in asked if u in training} | {0})  # u0005x: block 0
    index_reads = [r for _, key, r in outputs.calls if key.endswith("user-index.bin")]
    assert len(index_reads) == 1 + blocks_needed == len(set(index_reads))


def test_ids_of_any_characters_are_found_exactly(s3, personalize_local):
    publish_version(s3, BUCKET, "odd", interactions(ODD_IDS), block_ids=2)
    outputs = Counted(personalize_local.endpoint, "odd")
    assert outputs.check(ODD_IDS) == []
    near = ["07", "70", "zoe", "Anna", "bea", "quo", "new", "\U0001f601", "u" * 255, ""]
    assert outputs.check(near) == near


def test_a_version_without_index_is_read_whole_once_then_checked_from_the_cache(s3, personalize_local, notes):
    """A version of an earlier release: its manifest lists no user index."""
    training = [f"u{n}" for n in range(30)]
    objects = publish_version(s3, BUCKET, "old", interactions(training))
    manifest = "datasets/old/manifest.json"
    import json

    old = json.loads(objects[manifest])
    del old["user_index"], old["files"]["user-index.bin"]
    s3.put_object(Bucket=BUCKET, Key=manifest, Body=json.dumps(old).encode())
    s3.delete_object(Bucket=BUCKET, Key="datasets/old/user-index.bin")
    outputs = Counted(personalize_local.endpoint, "old")

    assert outputs.check(["u3", "nobody"], note=notes.append) == ["nobody"]
    assert outputs.calls == [("GetObject", manifest, None), ("GetObject", "datasets/old/interactions.csv", None)]
    assert len(notes) == 1 and "dataset version old has no user index" in notes[0]
    assert "its ids are now cached in" in notes[0]

    assert outputs.check(["u29", "nobody"], note=notes.append) == ["nobody"]
    assert outputs.calls == [("GetObject", manifest, None)] and len(notes) == 1


def test_a_version_without_manifest_is_cached_by_its_etag(s3, personalize_local, notes):
    """Interactions put there by hand: no manifest, so the file's ETag keys the cache."""
    key = "datasets/by-hand/interactions.csv"
    s3.put_object(Bucket=BUCKET, Key=key, Body=interactions(["a", "b"]))
    outputs = Counted(personalize_local.endpoint, "by-hand")
    assert outputs.check(["a", "c"], note=notes.append) == ["c"]
    assert [op for op, _, _ in outputs.calls] == ["GetObject", "HeadObject", "GetObject"]
    assert outputs.check(["b", "c"], note=notes.append) == ["c"]
    assert [op for op, _, _ in outputs.calls] == ["GetObject", "HeadObject"]
    # Other data at the same key: another ETag, read again.
    s3.put_object(Bucket=BUCKET, Key=key, Body=interactions(["c"]))
    assert outputs.check(["b", "c"], note=notes.append) == ["b"]
    assert len(notes) == 2


def test_a_spoiled_cache_is_read_again_and_a_spoiled_index_is_an_error(s3, personalize_local, serving_cache):
    publish_version(s3, BUCKET, "spoiled", interactions([f"u{n}" for n in range(20)]), block_ids=5)
    outputs = Counted(personalize_local.endpoint, "spoiled")
    assert outputs.check(["u3"]) == []
    for path in serving_cache.rglob("block-*"):
        path.write_bytes(b"not a block")
    assert outputs.check(["u3"]) == []
    assert len(outputs.calls) == 2  # the manifest, the block again (the directory was intact)

    index = "datasets/spoiled/user-index.bin"
    body = bytearray(s3.get_object(Bucket=BUCKET, Key=index)["Body"].read())
    body[0] ^= 0xFF
    s3.put_object(Bucket=BUCKET, Key=index, Body=bytes(body))
    with pytest.raises(ValueError, match="user index s3://users-check/datasets/spoiled/user-index.bin .* sha256"):
        outputs.check(["u1"], cache=users.Cache(serving_cache / "elsewhere"))


def test_a_cache_that_cannot_be_written_only_costs_the_reads(s3, personalize_local, tmp_path):
    publish_version(s3, BUCKET, "no-cache", interactions(["a", "b"]))
    outputs = Counted(personalize_local.endpoint, "no-cache")
    blocked = tmp_path / "file"
    blocked.write_text("a file where the cache's directory would be")
    for _ in range(2):
        assert outputs.check(["a", "x"], cache=users.Cache(blocked / "cache")) == ["x"]
        assert len(outputs.calls) == 3


def test_the_cache_lives_where_the_environment_says(monkeypatch, tmp_path):
    monkeypatch.setenv(users.CACHE_ENV, str(tmp_path / "mine"))
    assert users.Cache().root == tmp_path / "mine" / "user-index"
    monkeypatch.delenv(users.CACHE_ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert users.Cache().root == tmp_path / "xdg" / "personalize-serving" / "user-index"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert users.Cache().root == users.Path(os.path.expanduser("~")) / ".cache" / "personalize-serving" / "user-index"


def test_a_cache_missing_a_piece_of_a_built_index_is_built_again(s3, personalize_local, serving_cache, notes):
    s3.put_object(Bucket=BUCKET, Key="datasets/emptied/interactions.csv", Body=interactions(["a", "b"]))
    outputs = Counted(personalize_local.endpoint, "emptied")
    assert outputs.check(["a", "z"], note=notes.append) == ["z"]
    [block] = serving_cache.rglob("block-0")
    block.unlink()
    assert outputs.check(["b", "z"], note=notes.append) == ["z"]
    assert ("GetObject", "datasets/emptied/interactions.csv", None) in outputs.calls and len(notes) == 2
    assert outputs.check(["b"], note=notes.append) == [] and len(notes) == 2


def test_a_manifest_whose_index_entry_is_broken_is_an_error_naming_it(s3, personalize_local):
    import json

    objects = publish_version(s3, BUCKET, "broken", interactions(["a"]))
    manifest = json.loads(objects["datasets/broken/manifest.json"])
    del manifest["user_index"]["directory"]["sha256"]
    s3.put_object(Bucket=BUCKET, Key="datasets/broken/manifest.json", Body=json.dumps(manifest).encode())
    with pytest.raises(
        ValueError, match="manifest of dataset version broken .* has a user_index without its directory"
    ):
        Counted(personalize_local.endpoint, "broken").check(["a"])
