"""Waiting for long operations: poll with backoff and jitter, up to a deadline.

The poll interval grows with the time already waited (a tenth of it, within a
floor and a cap), so a short operation is noticed within seconds, a ten-minute
import within a minute, and a training of an hour or more within the cap of two
minutes: about 116 calls for a two-hour training, under one a minute.

Why the cap is two minutes, not five: N experiments wait on N trainings at
once, and `up` ends with the last of them to be noticed, so the stack's
lateness is close to the longest interval, not to half of it. With a 300 s cap
an hour-long training was noticed up to five minutes late (6% of the critical
path of a five-experiment stack, measured by bench/providers_bench.py)."""

import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")

# The keys of service.wait_settings.Waits (tests/unit/test_provider_imports.py).
WAIT_KEYS = ("createSeconds", "updateSeconds", "deleteSeconds", "initialPollSeconds", "maxPollSeconds")

DEFAULT_WAITS: dict[str, float] = {
    "createSeconds": 3600,
    "updateSeconds": 3600,
    "deleteSeconds": 1800,
    "initialPollSeconds": 2.0,
    "maxPollSeconds": 120.0,
}


def _seconds(value: object) -> bool:
    """A value service.wait_settings.Seconds takes as it is (a float or a not
    too large int, positive; nan is not); any other is for pydantic to judge."""
    return (type(value) is float or (type(value) is int and value < 2**53)) and value > 0


def waits_problems(waits: object) -> list[tuple[str, object]]:
    """(key, value) for every wait setting that is not one of WAIT_KEYS with a positive number.
    Valid settings (every resource's, at every preview) are answered without
    pydantic; the problems are pydantic's (service.wait_settings)."""
    if isinstance(waits, dict) and all(key in WAIT_KEYS and _seconds(value) for key, value in waits.items()):
        return []
    from pydantic import ValidationError

    from service.wait_settings import WAITS

    try:
        WAITS.validate_python(waits)
    except ValidationError as failure:
        return [(".".join(str(p) for p in e["loc"]), e["input"]) for e in failure.errors()]
    return []


def waits_inconsistency(waits: dict) -> tuple[str, object, str] | None:
    """(key, value, allowed) when the settings contradict each other: polling
    that starts slower than its own cap (defaults fill what is not set)."""
    merged = {**DEFAULT_WAITS, **waits}
    if merged["maxPollSeconds"] < merged["initialPollSeconds"]:
        cap = merged["maxPollSeconds"]
        return (
            "maxPollSeconds",
            int(cap) if float(cap).is_integer() else cap,  # as written, not as pydantic's float
            f"at least initialPollSeconds ({merged['initialPollSeconds']:g}): the interval grows up to it",
        )
    return None


class DeadlineExceeded(TimeoutError):
    pass


@dataclass(frozen=True)
class Backoff:
    initial_seconds: float = DEFAULT_WAITS["initialPollSeconds"]
    max_seconds: float = DEFAULT_WAITS["maxPollSeconds"]
    fraction_of_elapsed: float = 0.1

    def interval(self, elapsed: float) -> float:
        base = min(self.max_seconds, max(self.initial_seconds, elapsed * self.fraction_of_elapsed))
        # Jitter downwards only, so the deadline arithmetic stays an upper bound.
        return base * random.uniform(0.8, 1.0)


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def wait_for(
    what: str,
    poll: Callable[[], T | None],
    deadline_seconds: float,
    backoff: Backoff,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Call `poll` until it returns something other than None, or fail at the deadline."""
    start = clock()
    polls = 0
    while True:
        result = poll()
        polls += 1
        if result is not None:
            return result
        elapsed = clock() - start
        if elapsed >= deadline_seconds:
            raise DeadlineExceeded(
                f"gave up waiting for {what} after {elapsed:.0f}s ({polls} checks); "
                f"the deadline is {deadline_seconds:.0f}s and can be raised with the resource's `waits` input"
            )
        pause = min(backoff.interval(elapsed), max(0.0, deadline_seconds - elapsed))
        if polls == 1 or polls % 10 == 0:
            progress(f"waiting for {what} ({elapsed:.0f}s so far, next check in {pause:.1f}s)")
        sleep(pause)
