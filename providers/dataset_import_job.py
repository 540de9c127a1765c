"""Dataset import job: loads CSV from S3 into a dataset. Jobs cannot be
changed or deleted through the API: any change is a new job (with a new
jobName), and deleting the resource leaves the finished job in the service."""

from providers.lifecycle import PersonalizeProvider, PersonalizeResource
from service import specs


class DatasetImportJobProvider(PersonalizeProvider):
    spec = specs.DATASET_IMPORT_JOB


class DatasetImportJob(PersonalizeResource, module="personalize", name="DatasetImportJob"):
    provider_class = DatasetImportJobProvider
