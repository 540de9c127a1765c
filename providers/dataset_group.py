"""Dataset group: the container of datasets, solutions, trackers and filters.
The API has no update: every change is a replacement."""

from providers.lifecycle import PersonalizeProvider, PersonalizeResource


class DatasetGroupProvider(PersonalizeProvider):
    kind = "dataset group"
    create_op, describe_op, delete_op = "CreateDatasetGroup", "DescribeDatasetGroup", "DeleteDatasetGroup"
    arn_member, description_key = "datasetGroupArn", "datasetGroup"
    list_op, list_key = "ListDatasetGroups", "datasetGroups"
    # Deleting a group takes the service a while after its children are gone.
    failed_statuses = ("CREATE FAILED", "DELETE FAILED")


class DatasetGroup(PersonalizeResource, module="personalize", name="DatasetGroup"):
    provider_class = DatasetGroupProvider
