"""A small in-memory cache with a time to live, for recommendation answers.

AWS suggests caching recommendations for a short while: every GetRecommendations
call is billed and takes a network round trip, and a user's list rarely changes
within seconds. The TTL bounds how stale an answer may be (events sent since
are not reflected in it until it expires)."""

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any


class TTLCache:
    """Entries live `ttl_seconds` after they are put. With one TTL for all,
    insertion order is also expiry order: when full, the oldest entry goes,
    and it is the one closest to expiring anyway."""

    def __init__(self, ttl_seconds: float, max_entries: int = 10000, clock: Callable[[], float] = time.monotonic):
        if not ttl_seconds > 0:
            raise ValueError(f"ttl_seconds must be positive, got {ttl_seconds}")
        if isinstance(max_entries, bool) or not isinstance(max_entries, int) or max_entries < 1:
            raise ValueError(f"max_entries must be a positive integer, got {max_entries!r}")
        self.ttl_seconds, self.max_entries, self._clock = ttl_seconds, max_entries, clock
        self._entries: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        # One Recommender may serve several threads of a web application.
        self._lock = threading.Lock()
        self._hits = self._misses = self._expired = self._evicted = 0

    def get(self, key: Hashable, default: Any = None) -> Any:
        """The value put under `key` if it has not expired, else `default`.
        An expired entry counts as a miss too: the caller has to fetch again."""
        with self._lock:
            found = self._entries.get(key)
            if found is not None and self._clock() >= found[0]:
                del self._entries[key]
                self._expired += 1
                found = None
            if found is None:
                self._misses += 1
                return default
            self._hits += 1
            return found[1]

    def put(self, key: Hashable, value: Any) -> None:
        with self._lock:
            now = self._clock()
            self._entries.pop(key, None)
            self._drop_expired(now)
            while len(self._entries) >= self.max_entries:
                self._entries.popitem(last=False)
                self._evicted += 1
            self._entries[key] = (now + self.ttl_seconds, value)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    @property
    def stats(self) -> dict:
        """hits, misses (expired entries included), expired, evicted, and size:
        the entries held, some of which may have expired unseen."""
        with self._lock:
            return {
                "hits": self._hits,
                "misses": self._misses,
                "expired": self._expired,
                "evicted": self._evicted,
                "size": len(self._entries),
            }

    def __len__(self) -> int:
        return self.stats["size"]

    def _drop_expired(self, now: float) -> None:
        # Expired entries are all at the front, in insertion order.
        while self._entries:
            key, (expires, _) = next(iter(self._entries.items()))
            if now < expires:
                return
            del self._entries[key]
            self._expired += 1
