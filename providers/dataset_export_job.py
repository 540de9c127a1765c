"""Dataset export job: writes a dataset's records (BULK ones from imports, PUT
ones from the streaming APIs, or ALL) to S3 as CSV. Like an import job it
cannot be changed or deleted through the API: any change is a new job (with a
new jobName), a changed role is only recorded, and deleting the resource leaves
the finished job in the service
(https://docs.aws.amazon.com/personalize/latest/dg/export-data.html)."""

from providers.lifecycle import PersonalizeProvider, PersonalizeResource
from service import specs


class DatasetExportJobProvider(PersonalizeProvider):
    spec = specs.DATASET_EXPORT_JOB


class DatasetExportJob(PersonalizeResource, module="personalize", name="DatasetExportJob"):
    provider_class = DatasetExportJobProvider
