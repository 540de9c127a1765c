"""Dataset import job: loads CSV from S3 into a dataset. Jobs cannot be
changed or deleted through the API: any change is a new job (with a new
jobName), and deleting the resource leaves the finished job in the service."""

from providers.lifecycle import PersonalizeProvider, PersonalizeResource


class DatasetImportJobProvider(PersonalizeProvider):
    kind = "dataset import job"
    create_op, describe_op = "CreateDatasetImportJob", "DescribeDatasetImportJob"
    arn_member, description_key, name_member = "datasetImportJobArn", "datasetImportJob", "jobName"
    list_op, list_key, list_scope = "ListDatasetImportJobs", "datasetImportJobs", ("datasetArn",)
    defaults = {"importMode": "FULL"}


class DatasetImportJob(PersonalizeResource, module="personalize", name="DatasetImportJob"):
    provider_class = DatasetImportJobProvider
