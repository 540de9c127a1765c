"""How many steps the engine should run at once for the stack's experiments.

Every wait on the service holds one engine step until the resource is ready, and
the engine runs at most `--parallel` steps at once (PULUMI_PARALLEL; by default
four per CPU, pkg/cmd/pulumi/operations/up.go): past that, one experiment's
training waits for another's to finish. An experiment holds up to two at once
(its data's import beside its solution, then its training, then its campaign),
so the program says so when the engine's bound is below twice the experiments.
The provider process itself serves as many as the engine sends
(providers/request_pool.py)."""

import pulumi
from pulumi.runtime.settings import SETTINGS

STEPS_PER_EXPERIMENT = 2


def recommended_parallel(experiments: int) -> int:
    return STEPS_PER_EXPERIMENT * experiments


def parallel_advice(experiments: int, parallel: int | None) -> str | None:
    """What to pass when `parallel` (the engine's bound; None or 0 if unknown) holds experiments back."""
    wanted = recommended_parallel(experiments)
    if not parallel or parallel >= wanted:
        return None
    return (
        f"{experiments} experiments wait on the service side by side in up to {wanted} steps, and the engine runs "
        f"{parallel} at once: some trainings will start only when others finish; pass --parallel {wanted} "
        f"(or set PULUMI_PARALLEL={wanted}) for them all to run at once"
    )


def advise(experiments: int) -> None:
    """Log the advice on this run's engine bound, if any."""
    message = parallel_advice(experiments, SETTINGS.parallel)
    if message:
        pulumi.log.warn(message)
