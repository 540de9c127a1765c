"""Batch inference job: recommendations for a file of users, written to S3.
Create-only: a change runs a new job (new jobName); the API cannot delete one."""

from providers.lifecycle import PersonalizeProvider, PersonalizeResource


class BatchInferenceJobProvider(PersonalizeProvider):
    kind = "batch inference job"
    create_op, describe_op = "CreateBatchInferenceJob", "DescribeBatchInferenceJob"
    arn_member, description_key, name_member = "batchInferenceJobArn", "batchInferenceJob", "jobName"
    list_op, list_key, list_scope = "ListBatchInferenceJobs", "batchInferenceJobs", ("solutionVersionArn",)


def run_batch_job(props: dict) -> str:
    """Run (or adopt) a job outside the engine, e.g. an evaluation or an ad hoc
    batch: checked like a resource, then created and waited for; its ARN."""
    provider = BatchInferenceJobProvider()
    checked = provider.check({}, props)
    if checked.failures:
        raise ValueError("; ".join(f.reason for f in checked.failures))
    return provider.create(checked.inputs).id


class BatchInferenceJob(PersonalizeResource, module="personalize", name="BatchInferenceJob"):
    provider_class = BatchInferenceJobProvider
