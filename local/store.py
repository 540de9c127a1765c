"""Personalize resources, durable in SQLite (WAL) under the state dir.

Each resource is one row: its ARN, kind, a creation sequence (List order and
pagination) and a JSON document holding what Describe returns plus the
emulator's own bookkeeping under keys starting with "_"."""

import json
import sqlite3
import threading
from pathlib import Path


class Store:
    def __init__(self, state_dir: Path):
        state_dir.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(state_dir / "personalize.sqlite3", check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS resources (arn TEXT PRIMARY KEY, kind TEXT NOT NULL,"
            " seq INTEGER NOT NULL, doc TEXT NOT NULL)"
        )
        self._db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        self.lock = threading.RLock()  # one Personalize operation at a time

    def get(self, arn: str) -> dict | None:
        row = self._db.execute("SELECT doc FROM resources WHERE arn = ?", (arn,)).fetchone()
        return json.loads(row[0]) if row else None

    def put(self, kind: str, arn: str, doc: dict) -> None:
        seq = self._db.execute("SELECT seq FROM resources WHERE arn = ?", (arn,)).fetchone()
        if seq is None:
            seq = self._db.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM resources").fetchone()
        self._db.execute(
            "INSERT OR REPLACE INTO resources (arn, kind, seq, doc) VALUES (?, ?, ?, ?)",
            (arn, kind, seq[0], json.dumps(doc)),
        )

    def delete(self, arn: str) -> None:
        self._db.execute("DELETE FROM resources WHERE arn = ?", (arn,))

    def all(self, kind: str) -> list[dict]:
        rows = self._db.execute("SELECT doc FROM resources WHERE kind = ? ORDER BY seq", (kind,))
        return [json.loads(doc) for (doc,) in rows]

    def get_meta(self, key: str, default=None):
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else default

    def set_meta(self, key: str, value) -> None:
        self._db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, json.dumps(value)))

    def close(self) -> None:
        self._db.close()
