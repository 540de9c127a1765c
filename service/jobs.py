"""Jobs run outside the engine (evaluations, ad hoc batches): checked like a
resource, created (or adopted when an earlier run left the same job), waited for."""

from typing import Any


def run_batch_inference_job(request: dict[str, Any], *, region: str | None, endpoint: str | None,
                            waits: dict[str, float] | None = None) -> str:
    """`request` is CreateBatchInferenceJob's (jobName included); the job's ARN once it is ACTIVE.
    Raises ValueError for a request the service model refuses, service.errors.ResourceFailed
    when the job fails, service.waiting.DeadlineExceeded past the deadline."""
    # TEMPORARY: delegates to the provider until the service core's lifecycle lands.
    from providers.batch_inference_job import run_batch_job

    return run_batch_job({**request, "region": region, "endpoint": endpoint, "waits": waits})
