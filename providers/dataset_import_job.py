"""Dataset import job: loads CSV from S3 into a dataset. Jobs cannot be
changed or deleted through the API: any change is a new job (with a new
jobName), and deleting the resource leaves the finished job in the service.

`importMode: INCREMENTAL` appends to the bulk records already imported; the
service accepts it only once the dataset has some, i.e. after an import that
ended ACTIVE (https://docs.aws.amazon.com/personalize/latest/dg/API_CreateDatasetImportJob.html,
https://docs.aws.amazon.com/personalize/latest/dg/bulk-data-import-step.html). A
group's config may declare INCREMENTAL for every new data version, the first
one included: that first import is sent FULL (there is nothing to append to),
the declared mode stays the input, and `importedMode` records what ran."""

from typing import Any

from common.statuses import ACTIVE
from providers.lifecycle import PersonalizeProvider, PersonalizeResource
from service import specs
from service.lifecycle import Lifecycle
from service.waiting import progress


class DatasetImportJobProvider(PersonalizeProvider):
    spec = specs.DATASET_IMPORT_JOB
    computed_outputs = ("importedMode",)
    # The declared mode stands after a read; importedMode says what ran.
    declared_only = ("importMode",)

    def before_create(self, lifecycle: Lifecycle, props: dict[str, Any]) -> dict[str, Any]:
        if props.get("importMode") != "INCREMENTAL":
            return props
        # This job itself does not count: an interrupted run may have left it (sent
        # FULL, maybe ACTIVE by now), and it must be adopted, not run again INCREMENTAL.
        others = (
            s
            for s in lifecycle.summaries(datasetArn=props["datasetArn"])
            if s.get("jobName") != props.get("jobName") and s.get("status") == ACTIVE
        )
        if next(others, None) is None:
            progress(
                f"{self.kind} {props.get('jobName')}: {props['datasetArn']} has no ACTIVE import yet, "
                "so there are no bulk records to add to: importing FULL instead of INCREMENTAL"
            )
            return {**props, "importMode": "FULL"}
        return props

    def more_outputs(self, lifecycle: Lifecycle, props: dict[str, Any], description: dict[str, Any]) -> dict[str, Any]:
        return {"importedMode": description.get("importMode")}


class DatasetImportJob(PersonalizeResource, module="personalize", name="DatasetImportJob"):
    provider_class = DatasetImportJobProvider
