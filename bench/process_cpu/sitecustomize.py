"""For bench/preview_bench.py only (on the stacks' PYTHONPATH): each Python
process the engine starts writes its CPU seconds, at exit or when stopped, to a
file in $PREVIEW_BENCH_CPU_DIR: `program` (the language host runs the program
as `.`), `provider` (the dynamic provider), or `other` (the language host's
package checks). Does nothing without that variable."""

import os

if os.environ.get("PREVIEW_BENCH_CPU_DIR"):
    import atexit
    import signal
    import sys
    import time

    _written: list[bool] = []

    def _write(*_args: object) -> None:
        if _written:
            return
        _written.append(True)
        first = sys.argv[0] if sys.argv else ""
        kind = "provider" if first.endswith("dynamic/__main__.py") else "program" if first == "." else "other"
        path = os.path.join(os.environ["PREVIEW_BENCH_CPU_DIR"], str(os.getpid()))
        with open(path, "w") as out:
            out.write(f"{kind} {time.process_time():.4f}\n")

    def _stopped(_signal: int, _frame: object) -> None:
        _write()
        os._exit(0)

    atexit.register(_write)
    for _signal in (signal.SIGTERM, signal.SIGINT):
        signal.signal(_signal, _stopped)
