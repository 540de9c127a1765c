"""Column store for one dataset: numeric columns as float64 (NaN = null),
string columns dictionary-encoded (int32 codes, -1 = null, plus a vocabulary).

A table is persisted as a single .npz file written atomically, so a killed
process leaves either the old or the new version behind, never a torn one.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

DATA_FILE = "data.npz"
_SEPARATOR = "\x00"  # never valid inside CSV text we accept


@dataclass
class Column:
    values: np.ndarray  # float64, or int32 codes for strings
    vocab: list[str] | None = None  # None for numeric columns

    @property
    def is_string(self) -> bool:
        return self.vocab is not None

    @property
    def labels(self) -> list[str]:
        """The vocabulary of a string column (TypeError for a numeric one, as indexing None would)."""
        if self.vocab is None:
            raise TypeError("a numeric column has no vocabulary")
        return self.vocab

    def take(self, rows: np.ndarray) -> Column:
        return Column(self.values[rows], self.vocab)

    def code_of(self, value: str) -> int | None:
        """Code of a string value (index built once per loaded column)."""
        index = self.__dict__.get("_index")
        if index is None:
            index = self.__dict__["_index"] = {v: i for i, v in enumerate(self.labels)}
        return index.get(value)

    def rows_with(self, code: int) -> np.ndarray:
        """Row numbers holding a code, ascending (grouping built once per loaded column)."""
        grouping = self.__dict__.get("_grouping")
        if grouping is None:
            order = np.argsort(self.values, kind="stable")
            counts = np.bincount(self.values[self.values >= 0], minlength=len(self.labels))
            starts = np.r_[0, np.cumsum(counts)] + int((self.values < 0).sum())
            grouping = self.__dict__["_grouping"] = (order, starts)
        order, starts = grouping
        return order[starts[code] : starts[code + 1]]

    def strings(self) -> np.ndarray:
        """Decoded values as an object array (None for nulls); for small tables."""
        lookup = np.array([*self.labels, None], dtype=object)
        return lookup[self.values]  # code -1 picks the trailing None


def empty_column(is_string: bool, n: int) -> Column:
    if is_string:
        return Column(np.full(n, -1, dtype=np.int32), [])
    return Column(np.full(n, np.nan))


@dataclass
class Table:
    schema: dict
    columns: dict[str, Column] = field(default_factory=dict)

    @property
    def n_rows(self) -> int:
        return len(next(iter(self.columns.values())).values) if self.columns else 0

    def take(self, rows: np.ndarray) -> Table:
        return Table(self.schema, {k: c.take(rows) for k, c in self.columns.items()})

    def get(self, name: str) -> Column | None:
        return self.columns.get(name)

    def require(self, name: str) -> Column:
        """A column the caller knows is present (checked earlier, or guaranteed by the schema)."""
        col = self.columns.get(name)
        assert col is not None, f"missing column {name}"
        return col


def merge_columns(a: Column, b: Column) -> Column:
    """Concatenate two columns of the same kind, unifying string vocabularies."""
    if not a.is_string:
        return Column(np.concatenate([a.values, b.values]))
    index = {v: i for i, v in enumerate(a.labels)}
    vocab = list(a.labels)
    remap = np.empty(len(b.labels) + 1, dtype=np.int32)
    for i, v in enumerate(b.labels):
        code = index.get(v)
        if code is None:
            code = index[v] = len(vocab)
            vocab.append(v)
        remap[i] = code
    remap[-1] = -1  # so that null (-1) stays null
    return Column(np.concatenate([a.values, remap[b.values]]), vocab)


def concat_tables(old: Table, new: Table) -> Table:
    """Rows of old then new, shaped by new's schema (dropped/added fields handled)."""
    columns = {}
    for name, col in new.columns.items():
        prev = old.columns.get(name)
        if prev is None or prev.is_string != col.is_string:
            prev = empty_column(col.is_string, old.n_rows)
        columns[name] = merge_columns(prev, col)
    return Table(new.schema, columns)


def compact_vocab(col: Column) -> Column:
    """Drop vocabulary entries no row refers to any more."""
    if col.vocab is None or not len(col.vocab):
        return col
    used = np.zeros(len(col.vocab) + 1, dtype=np.bool_)
    used[col.values] = True
    used = used[:-1]
    if used.all():
        return col
    remap = np.full(len(col.vocab) + 1, -1, dtype=np.int32)
    remap[:-1][used] = np.arange(int(used.sum()), dtype=np.int32)
    vocab = [v for v, keep in zip(col.vocab, used) if keep]
    return Column(remap[col.values], vocab)


def save_table(store_dir: str, table: Table) -> None:
    os.makedirs(store_dir, exist_ok=True)
    arrays = {"schema": _encode_text(json.dumps(table.schema))}
    for name, col in table.columns.items():
        col = compact_vocab(col)
        if col.vocab is not None:
            arrays[f"c|{name}"] = col.values.astype(np.int32, copy=False)
            arrays[f"v|{name}"] = _encode_text(_SEPARATOR.join(col.vocab))
            arrays[f"k|{name}"] = np.array([len(col.vocab)])
        else:
            arrays[f"n|{name}"] = col.values
    atomic_savez(os.path.join(store_dir, DATA_FILE), arrays)


def load_table(store_dir: str) -> Table | None:
    """The stored table, or None if nothing was ever written. Cached per file version."""
    path = os.path.join(store_dir, DATA_FILE)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return _load_cached(path, st.st_mtime_ns, st.st_size, st.st_ino)


@lru_cache(maxsize=32)
def _load_cached(path: str, _mtime: int, _size: int, _ino: int) -> Table:
    with np.load(path) as npz:
        schema = json.loads(_decode_text(npz["schema"]))
        columns = {}
        for key in npz.files:
            kind, _, name = key.partition("|")
            if kind == "n":
                columns[name] = Column(npz[key])
            elif kind == "c":
                count = int(npz[f"k|{name}"][0])
                text = _decode_text(npz[f"v|{name}"])
                vocab = text.split(_SEPARATOR) if count else []
                columns[name] = Column(npz[key], vocab)
    ordered = {f["name"]: columns[f["name"]] for f in schema["fields"] if f["name"] in columns}
    return Table(schema, ordered)


def _atomic_write(path: str, write, suffix: str = "") -> None:
    """Write through a temp file in the same directory, fsync, then rename:
    a crash leaves the old file or the new one, never half of one."""
    directory = os.path.dirname(path) or "."
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=suffix)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def atomic_savez(path: str, arrays: dict) -> None:
    _atomic_write(path, lambda fh: np.savez(fh, **arrays), suffix=".npz")


def atomic_write_text(path: str, text: str) -> None:
    _atomic_write(path, lambda fh: fh.write(text.encode("utf-8")))


_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def store_lock(store_dir: str) -> threading.Lock:
    """One lock per store so concurrent read-modify-write calls do not lose rows."""
    key = os.path.realpath(store_dir)
    with _locks_guard:
        return _locks.setdefault(key, threading.Lock())


def _encode_text(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-8"), dtype=np.uint8)


def _decode_text(arr: np.ndarray) -> str:
    return arr.tobytes().decode("utf-8")
