"""Dataset group: the container of datasets, solutions, trackers and filters.
The API has no update: every change is a replacement."""

from providers.lifecycle import PersonalizeProvider, PersonalizeResource
from service import specs


class DatasetGroupProvider(PersonalizeProvider):
    spec = specs.DATASET_GROUP


class DatasetGroup(PersonalizeResource, module="personalize", name="DatasetGroup"):
    provider_class = DatasetGroupProvider
