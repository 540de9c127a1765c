"""The version's user index (format: common/user_index.py), written from the
training users the pipeline already holds: the distinct ids of each part's
training interactions (parts never share a user). Polars sorts the ids and
cuts them into blocks of JSON text; Python only compresses each block."""

from collections.abc import Iterable
from pathlib import Path

import polars as pl

from common import user_index as index_format
from common.layout import USER_INDEX_FILE


def write_user_index(training_users: Iterable[pl.Series], staged: Path, block_ids: int | None = None) -> dict:
    """Write USER_INDEX_FILE into `staged`; returns the manifest's "user_index" entry.
    `block_ids`: ids per block, by default the format's BLOCK_IDS."""
    block_ids = block_ids or index_format.BLOCK_IDS
    parts = [s.rename("id") for s in training_users if s.len()]
    # Parts never share a user, so the ids are distinct (and were an id twice, a lookup
    # would still find it). Polars orders strings by their UTF-8 bytes, which is Python's
    # order of code points, the order serving bisects in.
    ids = (pl.concat(parts).drop_nulls() if parts else pl.Series("id", [], dtype=pl.Utf8)).sort()
    # Each id as a JSON string (quotes, escapes), the JSON encoder doing it: '{"id":"u1"}' -> '"u1"'.
    as_json = pl.struct("id").struct.json_encode().str.strip_prefix('{"id":').str.strip_suffix("}")
    blocks = (
        pl.DataFrame({"id": ids})
        .with_row_index("n")
        .group_by(pl.col("n") // block_ids, maintain_order=True)
        .agg(pl.col("id").first().alias("first"), as_json.str.join(",").alias("json"))
    )
    written, entry = index_format.assemble(
        ((first, f"[{array}]") for first, array in blocks.select("first", "json").iter_rows()), ids.len()
    )
    with open(staged / USER_INDEX_FILE, "wb") as out:
        for part in written:
            out.write(part)
    return {"file": USER_INDEX_FILE, **entry}
