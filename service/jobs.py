"""Jobs run outside the engine (evaluations, ad hoc batches): checked like a
resource, created (or adopted when an earlier run left the same job), waited for."""

from typing import Any

from service import specs
from service.lifecycle import Lifecycle
from servicemodel.requests import SERVICE, validate_request


def run_batch_inference_job(
    request: dict[str, Any], *, region: str | None, endpoint: str | None, waits: dict[str, float] | None = None
) -> str:
    """`request` is CreateBatchInferenceJob's (jobName included); the job's ARN once it is ACTIVE.
    Raises ValueError for a request the service model refuses, service.errors.ResourceFailed
    when the job fails, service.waiting.DeadlineExceeded past the deadline."""
    spec = specs.BATCH_INFERENCE_JOB
    request = {k: v for k, v in request.items() if v is not None}
    problems = validate_request(SERVICE, spec.create_op, request)
    if problems:
        raise ValueError("; ".join(f"{spec.kind} {path}: {reason}" for path, reason in problems))
    lifecycle = Lifecycle(spec, {"region": region, "endpoint": endpoint, "waits": waits})
    arn = lifecycle.create_or_adopt(request)
    lifecycle.wait_until_done(arn)
    return arn
