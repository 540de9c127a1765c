"""Which user ids an experiment has seen: those in the training interactions of
the dataset version it was deployed with. The service answers an unknown user
with popular items without a word; the commands say so instead, unless asked
for cold-start recommendations on purpose.

The check reads the version's user index (common/user_index.py), which data
preparation writes with the version and lists in its manifest: the manifest
(a few KB), the index's directory and the one block that may hold the id, each
a range of one object, whatever the size of the data. Versions are immutable,
so the directory and the blocks read are kept in a local cache, keyed by the
directory's sha256: a repeated check reads the manifest only.

A version exported before the index existed has none: the check then reads
the whole training interactions once, as earlier releases did on every call,
builds the same index from them and keeps it in the cache (keyed by the
file's sha256, or its ETag without a manifest), with a note saying so."""

import io
import json
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from common import user_index as ui
from common.layout import INTERACTIONS_FILE, MANIFEST_FILE, USER_INDEX_FILE, dataset_file
from serving.outputs import Experiment, StackOutputs

# Where the cache lives: this variable, else $XDG_CACHE_HOME/personalize-serving, else ~/.cache/...
CACHE_ENV = "PERSONALIZE_SERVING_CACHE"


def default_cache_dir() -> Path:
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "personalize-serving"


class Cache:
    """Immutable pieces of user indexes on local disk, by key and name. Best effort:
    a cache that cannot be written (a read-only home) only costs the reads again."""

    def __init__(self, root: Path | str | None = None):
        self.root = Path(root) if root is not None else default_cache_dir() / "user-index"

    def _path(self, key: str, name: str) -> Path:
        return self.root / key / name

    def get(self, key: str, name: str, sha256: str | None = None) -> bytes | None:
        """The bytes kept, if any (and if they match `sha256`, when given)."""
        try:
            data = self._path(key, name).read_bytes()
        except OSError:
            return None
        return data if sha256 is None or ui.sha256(data) == sha256 else None

    def put(self, key: str, name: str, data: bytes) -> bool:
        path = self._path(key, name)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Whole or not at all, for a check running at the same time.
            with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{name}.", delete=False) as out:
                out.write(data)
            os.replace(out.name, path)
            return True
        except OSError:
            return False


class _NotCached(Exception):
    pass


class _Index:
    """One version's index: its directory and blocks from the cache, else read
    with `read(offset, length)` (None: the cache is all there is)."""

    def __init__(
        self, key: str, directory: dict, read: Callable[[int, int], bytes] | None, cache: Cache, where: str
    ) -> None:
        self.key, self.location, self.read, self.cache, self.where = key, directory, read, cache, where

    def _piece(self, name: str, offset: int, length: int, sha256: str) -> bytes:
        data = self.cache.get(self.key, name, sha256)
        if data is None:
            if self.read is None:
                raise _NotCached(name)
            data = self.read(offset, length)
            if ui.sha256(data) != sha256:
                raise ValueError(
                    f"the user index {self.where} (bytes {offset}-{offset + length - 1}) does not match the sha256 "
                    f"its manifest lists: its files were changed after data preparation exported them"
                )
            self.cache.put(self.key, name, data)
        return data

    def known(self, users: set[str]) -> set[str]:
        where = self.location
        directory = ui.Directory(
            self._piece("directory", where["offset"], where["length"], where["sha256"]),
            what=f"{self.where}'s directory",
        )
        found: set[str] = set()
        for number, asked in directory.by_block(users).items():
            if number is None:
                continue
            block = directory.blocks[number]
            data = self._piece(f"block-{number}", block.offset, block.length, block.sha256)
            ids = ui.block_ids(data, block, f"block {number} of {self.where}")
            found.update(user for user in asked if ui.holds(ids, user))
        return found


def _s3_error(bucket: str, key: str, error: Exception) -> ValueError:
    return ValueError(f"cannot read s3://{bucket}/{key} to check user ids: {error}")


def _manifest(s3, bucket: str, version: str) -> dict | None:
    """The version's manifest, or None when it has none (data put there by hand)."""
    from botocore.exceptions import ClientError

    key = dataset_file(version, MANIFEST_FILE)
    try:
        return json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
            return None
        raise _s3_error(bucket, key, error) from None
    except Exception as error:
        raise _s3_error(bucket, key, error) from None


def _ranged(s3, bucket: str, key: str) -> Callable[[int, int], bytes]:
    def read(offset: int, length: int) -> bytes:
        try:
            return s3.get_object(Bucket=bucket, Key=key, Range=f"bytes={offset}-{offset + length - 1}")["Body"].read()
        except Exception as error:
            raise _s3_error(bucket, key, error) from None

    return read


def _built_index(
    s3, bucket: str, version: str, manifest: dict | None, cache: Cache, note: Callable[[str], None], cached: bool
) -> _Index:
    """The index of a version that has none: from the cache (if `cached`), else built
    from its training interactions and put in the cache whole."""
    import hashlib

    import polars as pl

    key = dataset_file(version, INTERACTIONS_FILE)
    listed = ((manifest or {}).get("files") or {}).get(INTERACTIONS_FILE) or {}
    if listed.get("sha256"):
        cache_key = f"interactions-{listed['sha256']}"
    else:
        try:
            etag = s3.head_object(Bucket=bucket, Key=key)["ETag"]
        except Exception as error:
            raise _s3_error(bucket, key, error) from None
        cache_key = f"etag-{hashlib.sha256(f'{bucket}/{key} {etag}'.encode()).hexdigest()}"
    entry = cache.get(cache_key, "entry.json") if cached else None
    if entry is not None:
        try:
            return _Index(cache_key, json.loads(entry)["directory"], None, cache, f"s3://{bucket}/{key}")
        except (ValueError, KeyError, TypeError):
            pass  # not what this release writes: built again below
    try:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except Exception as error:
        raise _s3_error(bucket, key, error) from None
    # Ids stay text: "007" and "7" are different users.
    ids = pl.read_csv(io.BytesIO(body), columns=["USER_ID"], infer_schema=False)["USER_ID"]
    parts, built = ui.encode(ids.drop_nulls().unique().sort().to_list())
    blob = b"".join(parts)
    index = _Index(cache_key, built["directory"], lambda offset, length: blob[offset : offset + length], cache, key)
    # Every piece, then the entry that says they are there.
    pieces = [(f"block-{number}", data) for number, data in enumerate(parts[:-1])] + [("directory", parts[-1])]
    kept = all(cache.put(cache_key, name, data) for name, data in pieces)
    kept = kept and cache.put(cache_key, "entry.json", json.dumps(built).encode())
    what = f"its ids are now cached in {cache.root}" if kept else f"{cache.root} cannot be written (set {CACHE_ENV})"
    note(
        f"note: dataset version {version} has no user index (exported by an earlier release of prep), so the "
        f"user check read all of s3://{bucket}/{key} ({len(body) / 1e6:,.1f} MB); {what}. "
        f"A version exported by this release carries one ({USER_INDEX_FILE})"
    )
    return index


def _stderr(message: str) -> None:
    print(message, file=sys.stderr)


def unknown_users(
    outputs: StackOutputs,
    experiment: Experiment,
    user_ids: list[str],
    *,
    cache: Cache | None = None,
    note: Callable[[str], None] = _stderr,
) -> list[str]:
    """The ids among `user_ids` with no interaction in the experiment's training data, in order."""
    s3, bucket, version = outputs.client("s3"), outputs.bucket, experiment.dataset_version
    cache = cache or Cache()
    manifest = _manifest(s3, bucket, version)
    entry = (manifest or {}).get("user_index")
    if isinstance(entry, dict) and entry.get("format") == ui.FORMAT:
        key = dataset_file(version, entry.get("file") or USER_INDEX_FILE)
        directory = entry.get("directory")
        if not isinstance(directory, dict) or not {"offset", "length", "sha256"} <= set(directory):
            raise ValueError(
                f"the manifest of dataset version {version} (s3://{bucket}/{dataset_file(version, MANIFEST_FILE)}) "
                f"has a user_index without its directory's offset, length and sha256: {entry!r}"
            )
        index = _Index(directory["sha256"], directory, _ranged(s3, bucket, key), cache, f"s3://{bucket}/{key}")
        found = index.known(set(user_ids))
    else:
        try:
            found = _built_index(s3, bucket, version, manifest, cache, note, cached=True).known(set(user_ids))
        except (_NotCached, ui.UserIndexError):
            # Pieces removed from the cache (or spoiled) since it was built: build it again.
            found = _built_index(s3, bucket, version, manifest, cache, note, cached=False).known(set(user_ids))
    return [user for user in user_ids if user not in found]


def require_known(
    outputs: StackOutputs,
    experiment: Experiment,
    user_ids: list[str],
    *,
    cache: Cache | None = None,
    note: Callable[[str], None] = _stderr,
) -> None:
    unknown = unknown_users(outputs, experiment, user_ids, cache=cache, note=note)
    if unknown:
        shown = ", ".join(repr(u) for u in unknown[:5]) + (f" and {len(unknown) - 5} more" if len(unknown) > 5 else "")
        raise ValueError(
            f"unknown user id {shown}: no interactions in dataset version {experiment.dataset_version} "
            f"of experiment {experiment.name}; the service would answer with popular items only. "
            f"Pass --allow-unknown-users for cold-start recommendations on purpose"
        )
