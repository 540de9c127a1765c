"""Dataset: one per type in a group. UpdateDataset can move an Items or Users
dataset to another (compatible) schema; an Interactions dataset cannot."""

from typing import Any

from providers.lifecycle import PersonalizeProvider, PersonalizeResource

SCHEMA_UPDATABLE_TYPES = ("ITEMS", "USERS")


class DatasetProvider(PersonalizeProvider):
    kind = "dataset"
    create_op, describe_op, delete_op, update_op = "CreateDataset", "DescribeDataset", "DeleteDataset", "UpdateDataset"
    arn_member, description_key = "datasetArn", "dataset"
    list_op, list_key, list_scope = "ListDatasets", "datasets", ("datasetGroupArn",)
    updatable = ("schemaArn",)

    # The API takes the type in any case and describes it in upper case.
    def check(self, olds, news):
        result = super().check(olds, news)
        if isinstance(result.inputs.get("datasetType"), str):
            result.inputs["datasetType"] = result.inputs["datasetType"].upper()
        return result

    def observed_value(self, key: str, value: Any) -> Any:
        return value.upper() if key == "datasetType" and isinstance(value, str) else value

    def replaced_by(self, olds, news, changed):
        in_place = self.updatable if str(news.get("datasetType", "")).upper() in SCHEMA_UPDATABLE_TYPES else ()
        return [k for k in changed if k not in in_place]

    def update_status(self, description: dict[str, Any]) -> str | None:
        return (description.get("latestDatasetUpdate") or {}).get("status", description.get("status"))


class Dataset(PersonalizeResource, module="personalize", name="Dataset"):
    provider_class = DatasetProvider
