"""Batch inference job: recommendations for a file of users, written to S3.
Create-only: a change runs a new job (new jobName); the API cannot delete one."""

from providers.lifecycle import PersonalizeProvider, PersonalizeResource


class BatchInferenceJobProvider(PersonalizeProvider):
    kind = "batch inference job"
    create_op, describe_op = "CreateBatchInferenceJob", "DescribeBatchInferenceJob"
    arn_member, description_key, name_member = "batchInferenceJobArn", "batchInferenceJob", "jobName"
    list_op, list_key, list_scope = "ListBatchInferenceJobs", "batchInferenceJobs", ("solutionVersionArn",)


class BatchInferenceJob(PersonalizeResource, module="personalize", name="BatchInferenceJob"):
    provider_class = BatchInferenceJobProvider
