"""Solution version: one training run, the model a campaign serves. The API can
neither update nor delete one: a change (or a `triggers` change, e.g. a new
dataset version) trains a new version, and deleting the resource stops a
training still in progress and leaves a finished version in the service.

`trainingMode: UPDATE` means "update the last model with the new data": the
first version of a solution has none, so it trains FULL (the service would
refuse UPDATE) and `trainedMode` records what ran.

When the stack does not wait (`waitUnlessServing`) and the import this version
trains on is still running, training cannot start yet: the resource is
recorded as WAITING FOR IMPORT under a placeholder id, and a later `up` starts
it, which replaces the placeholder with the version's ARN."""

from typing import Any

from common.statuses import ACTIVE, CREATE_FAILED, CREATE_RUNNING, WAITING_FOR_IMPORT
from providers.lifecycle import NOT_STARTED_PREFIX, PersonalizeProvider, PersonalizeResource
from service import specs
from service.errors import ResourceFailed
from service.lifecycle import Lifecycle
from service.waiting import progress

__all__ = ["WAITING_FOR_IMPORT", "SolutionVersion", "SolutionVersionProvider"]


def _import_arn(props: dict[str, Any]) -> str | None:
    return (props.get("triggers") or {}).get("datasetImportJobArn")


class SolutionVersionProvider(PersonalizeProvider):
    spec = specs.SOLUTION_VERSION
    computed_outputs = ("trainedMode", "metrics")
    # The declared mode stays the input; trainedMode says what ran.
    declared_only = ("trainingMode",)

    def not_started(self, lifecycle: Lifecycle, props: dict[str, Any]) -> tuple[str, str] | None:
        if self.may_return_early(lifecycle, props) and self._import_status(lifecycle, props) != ACTIVE:
            progress(
                f"{self.kind} of {props['solutionArn']}: its import is still running; "
                f"training starts at a later `up` (campaign {props['waitUnlessServing']} keeps its model)"
            )
            return f"{NOT_STARTED_PREFIX}{_import_arn(props)}", WAITING_FOR_IMPORT
        return None

    def not_started_status(self, lifecycle: Lifecycle, props: dict[str, Any]) -> str | None:
        status = self._import_status(lifecycle, props)
        return WAITING_FOR_IMPORT if status in CREATE_RUNNING else f"IMPORT {status}"

    def before_create(self, lifecycle: Lifecycle, props: dict[str, Any]) -> dict[str, Any]:
        if props.get("trainingMode") == "UPDATE" and not self._has_active_version(lifecycle, props["solutionArn"]):
            progress(f"{props['solutionArn']} has no ACTIVE version to update yet: this training is FULL")
            return {**props, "trainingMode": "FULL"}
        return props

    def more_outputs(self, lifecycle: Lifecycle, props: dict[str, Any], description: dict[str, Any]) -> dict[str, Any]:
        outputs = {"trainedMode": description.get("trainingMode"), "metrics": None}
        if description.get("status") == ACTIVE:
            outputs["metrics"] = lifecycle.api.get_solution_metrics(
                solutionVersionArn=description["solutionVersionArn"]
            )["metrics"]
        return outputs

    def delete_without_api(self, lifecycle: Lifecycle, arn: str, props: dict[str, Any]) -> None:
        if lifecycle.status(arn) in CREATE_RUNNING:
            lifecycle.api.stop_solution_version_creation(solutionVersionArn=arn)
            progress(f"stopped the training of {arn}")

    def _has_active_version(self, lifecycle: Lifecycle, solution_arn: str) -> bool:
        return any(v.get("status") == ACTIVE for v in lifecycle.summaries(solutionArn=solution_arn))

    def _import_status(self, lifecycle: Lifecycle, props: dict[str, Any]) -> str:
        arn = _import_arn(props)
        if not arn:
            return ACTIVE  # nothing declared to wait for
        job = lifecycle.api.describe_dataset_import_job(datasetImportJobArn=arn)["datasetImportJob"]
        if job["status"] == CREATE_FAILED:
            raise ResourceFailed(
                f"{self.kind} of {props['solutionArn']} cannot train: import {arn} ended "
                f"{job['status']}: {job.get('failureReason') or 'no reason given'}"
            )
        return str(job["status"])


class SolutionVersion(PersonalizeResource, module="personalize", name="SolutionVersion"):
    provider_class = SolutionVersionProvider
