"""Faults injected on demand: throttling, forced CREATE FAILED, added latency.

Configured from CLI flags at start and through /_local/faults at run time:
  {"throttle": {"rate": 0.0-1.0, "count": N, "operations": ["DescribeCampaign", ...]},
   "fail": {"<resource name or ARN>": "<failureReason>"},   (a solution's ARN fails its versions)
   "latency_ms": N}
`rate` throttles that share of matching calls (seeded, so runs repeat); `count`
throttles the next N matching calls; an empty `operations` means every
Personalize operation."""

import random
import threading


class Faults:
    def __init__(self, config: dict | None = None, seed: int = 7):
        self._lock = threading.Lock()
        self._random = random.Random(seed)
        self.config: dict = {}
        self.update(config or {})

    def update(self, config: dict) -> dict:
        with self._lock:
            for key in ("throttle", "latency_ms"):
                if key in config:
                    self.config[key] = config[key]
            if "fail" in config:
                self.config.setdefault("fail", {}).update(config["fail"])
            return dict(self.config)

    def clear(self) -> None:
        with self._lock:
            self.config = {}

    def should_throttle(self, operation: str) -> bool:
        with self._lock:
            throttle = self.config.get("throttle")
            if not throttle:
                return False
            operations = throttle.get("operations") or []
            if operations and operation not in operations:
                return False
            if throttle.get("count", 0) > 0:
                throttle["count"] -= 1
                return True
            return self._random.random() < float(throttle.get("rate", 0))

    def latency_seconds(self) -> float:
        return float(self.config.get("latency_ms", 0)) / 1000

    def forced_failure(self, *names: str) -> str | None:
        failures = self.config.get("fail") or {}
        for name in names:
            if name in failures:
                return failures[name]
        return None
