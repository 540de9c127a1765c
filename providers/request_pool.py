"""How many requests the dynamic provider process serves at once.

The Python SDK's provider server (pulumi/dynamic/__main__.py, pulumi 3.260)
serves the engine's calls from a ThreadPoolExecutor(max_workers=4), with no
setting to change it; a create holds its worker for the whole wait, so a fifth
experiment's training queued behind the first four. All of the program's
dynamic resources share that one process: the engine starts one plugin per
provider resource (pkg/host/host.go, defaultHost.Provider), and giving each
experiment its own explicit provider would move every deployed resource to a
new provider reference and start one more Python process per experiment at
every preview.

So the process widens its own pool, once, from the first request it serves:
the pool is the ThreadPoolExecutor whose worker threads include the calling
thread, and ThreadPoolExecutor reads its `_max_workers` on every submit
(CPython 3.11, concurrent/futures/thread.py, _adjust_thread_count), starting a
thread only when no idle one is left, so a high bound costs nothing until
requests wait. The engine's own limit (`--parallel`, by default four per CPU)
stays the one that counts. If a later SDK or Python changes these internals,
nothing is widened and the provider says so in its log; tests/engine/
test_request_pool.py fails then."""

import gc
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

REQUESTS_AT_ONCE = 256

_lock = threading.Lock()
_widened: list[int] = []


def _serving_pool() -> ThreadPoolExecutor | None:
    current = threading.current_thread()
    for candidate in gc.get_objects():
        if isinstance(candidate, ThreadPoolExecutor) and current in getattr(candidate, "_threads", ()):
            return candidate
    return None


def widen(workers: int = REQUESTS_AT_ONCE) -> int | None:
    """Let the pool serving this request run `workers` requests at once; returns
    its bound (None when the calling thread is in no ThreadPoolExecutor). Only
    the first call in a process looks."""
    with _lock:
        if _widened:
            return _widened[0] or None
        pool = _serving_pool()
        if pool is None or not isinstance(getattr(pool, "_max_workers", None), int):
            print(
                "personalize providers: could not find the provider server's request pool; "
                "it serves the SDK's default number of requests at once",
                file=sys.stderr,
            )
            _widened.append(0)
            return None
        pool._max_workers = max(pool._max_workers, workers)
        _widened.append(pool._max_workers)
        return _widened[0]
