"""Batch inference job: recommendations for a file of users, written to S3.
Create-only: a change runs a new job (new jobName); the API cannot delete one.
Jobs run outside the engine (evaluations, ad hoc batches) use service/jobs.py."""

from providers.lifecycle import PersonalizeProvider, PersonalizeResource
from service import specs


class BatchInferenceJobProvider(PersonalizeProvider):
    spec = specs.BATCH_INFERENCE_JOB


class BatchInferenceJob(PersonalizeResource, module="personalize", name="BatchInferenceJob"):
    provider_class = BatchInferenceJobProvider
