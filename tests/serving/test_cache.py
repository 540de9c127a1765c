"""TTLCache with an injected clock: time passes only when a test says so."""

import pytest

from serving.cache import TTLCache


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return Clock()


def test_a_put_value_is_a_hit_and_an_absent_key_a_miss(clock):
    cache = TTLCache(60, clock=clock)
    assert cache.get("a") is None
    cache.put("a", [1, 2])
    assert cache.get("a") == [1, 2]
    assert cache.get("b", "none") == "none"
    assert cache.stats == {"hits": 1, "misses": 2, "expired": 0, "evicted": 0, "size": 1}


def test_an_entry_expires_after_its_ttl(clock):
    cache = TTLCache(60, clock=clock)
    cache.put("a", 1)
    clock.now += 59.9
    assert cache.get("a") == 1
    clock.now += 0.1
    assert cache.get("a") is None
    assert cache.stats == {"hits": 1, "misses": 1, "expired": 1, "evicted": 0, "size": 0}


def test_putting_again_starts_a_new_ttl(clock):
    cache = TTLCache(60, clock=clock)
    cache.put("a", 1)
    clock.now += 50
    cache.put("a", 2)
    clock.now += 50
    assert cache.get("a") == 2


def test_when_full_the_oldest_entry_goes(clock):
    cache = TTLCache(60, max_entries=2, clock=clock)
    cache.put("a", 1)
    clock.now += 1
    cache.put("b", 2)
    cache.put("a", 3)  # now newer than b
    cache.put("c", 4)
    assert cache.get("b") is None
    assert (cache.get("a"), cache.get("c")) == (3, 4)
    assert cache.stats["evicted"] == 1 and cache.stats["size"] == 2


def test_expired_entries_make_room_before_live_ones_are_evicted(clock):
    cache = TTLCache(10, max_entries=2, clock=clock)
    cache.put("a", 1)
    clock.now += 5
    cache.put("b", 2)
    clock.now += 6  # a has expired, b has not
    cache.put("c", 3)
    assert (cache.get("b"), cache.get("c")) == (2, 3)
    assert cache.stats["expired"] == 1 and cache.stats["evicted"] == 0


def test_clear_empties_the_cache(clock):
    cache = TTLCache(60, clock=clock)
    cache.put("a", 1)
    cache.clear()
    assert len(cache) == 0 and cache.get("a") is None


@pytest.mark.parametrize("ttl, max_entries", [(0, 10), (-1, 10), (5, 0), (5, 2.5), (5, True)])
def test_a_ttl_or_size_that_cannot_work_is_refused(ttl, max_entries):
    with pytest.raises(ValueError):
        TTLCache(ttl, max_entries=max_entries)
