"""A one-line progress bar on stderr, redrawn as each step finishes."""

import sys
import time


class Progress:
    def __init__(self, total: int, enabled: bool = True, width: int = 30):
        # Redrawing a line only makes sense on a terminal; logs get the report instead.
        self.total, self.enabled, self.width = max(total, 1), enabled and sys.stderr.isatty(), width
        self.done = 0
        self.start = time.perf_counter()

    def advance(self, step: str) -> None:
        self.done = min(self.done + 1, self.total)
        if self.enabled:
            filled = self.width * self.done // self.total
            bar = "#" * filled + "-" * (self.width - filled)
            sys.stderr.write(
                f"\r[{bar}] {self.done}/{self.total} {time.perf_counter() - self.start:5.1f}s {step[:60]:<60}"
            )
            sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")
            sys.stderr.flush()
