"""Dataset: one per type in a group. UpdateDataset can move an Items or Users
dataset to another (compatible) schema; an Interactions dataset cannot."""

from typing import Any

from providers.lifecycle import PersonalizeProvider, PersonalizeResource
from service import specs

SCHEMA_UPDATABLE_TYPES = ("ITEMS", "USERS")


class DatasetProvider(PersonalizeProvider):
    spec = specs.DATASET

    # The API takes the type in any case and describes it in upper case.
    def normalise(self, inputs: dict[str, Any]) -> dict[str, Any]:
        if isinstance(inputs.get("datasetType"), str):
            inputs["datasetType"] = inputs["datasetType"].upper()
        return inputs

    def observed_value(self, key: str, value: Any) -> Any:
        return value.upper() if key == "datasetType" and isinstance(value, str) else value

    def replaced_by(self, olds, news, changed):
        in_place = self.spec.updatable if str(news.get("datasetType", "")).upper() in SCHEMA_UPDATABLE_TYPES else ()
        return [k for k in changed if k not in in_place]


class Dataset(PersonalizeResource, module="personalize", name="Dataset"):
    provider_class = DatasetProvider
