"""Solution version: one training run, the model a campaign serves. The API can
neither update nor delete one: a change (or a `triggers` change, e.g. a new
dataset version) trains a new version, and deleting the resource stops a
training still in progress and leaves a finished version in the service.

`trainingMode: UPDATE` means "update the last model with the new data": the
first version of a solution has none, so it trains FULL (the service would
refuse UPDATE) and `trainedMode` records what ran.

When the stack does not wait (`waitUnlessServing`) and the import this version
trains on is still running, training cannot start yet: the resource is
recorded as WAITING FOR IMPORT, without an ARN, and a later `up` starts it."""

from typing import Any

from pulumi.dynamic import CreateResult, ReadResult, UpdateResult

from providers.lifecycle import PersonalizeProvider, PersonalizeResource, ResourceFailed, client, progress

WAITING_FOR_IMPORT = "WAITING FOR IMPORT"
DEFERRED_PREFIX = "deferred:"


def _import_arn(props: dict[str, Any]) -> str | None:
    return (props.get("triggers") or {}).get("datasetImportJobArn")


class SolutionVersionProvider(PersonalizeProvider):
    kind = "solution version"
    create_op, describe_op = "CreateSolutionVersion", "DescribeSolutionVersion"
    arn_member, description_key = "solutionVersionArn", "solutionVersion"
    defaults = {"trainingMode": "FULL"}
    failed_statuses = ("CREATE FAILED", "CREATE STOPPED")
    running_statuses = (WAITING_FOR_IMPORT, "CREATE PENDING", "CREATE IN_PROGRESS")
    extra_outputs = ("trainingHours", "recipeArn", "failureReason")
    # Trainings of hours are common; four hours is also the deploy role's session in up.yml.
    # Longer ones: raise waits.createSeconds, or do not wait (training.wait false).
    default_waits = {"createSeconds": 14400}

    def create(self, props: dict[str, Any]) -> CreateResult:
        api = client(props)
        if self.may_return_early(api, props) and self._import_status(api, props) != "ACTIVE":
            progress(f"{self.kind} of {props['solutionArn']}: its import is still running; "
                     f"training starts at a later `up` (campaign {props['waitUnlessServing']} keeps its model)")
            outputs = self._outputs(api, None, props, {"status": WAITING_FOR_IMPORT})
            return CreateResult(f"{DEFERRED_PREFIX}{_import_arn(props)}", outputs)
        run = props
        if props.get("trainingMode") == "UPDATE" and not self._has_active_version(api, props["solutionArn"]):
            progress(f"{props['solutionArn']} has no ACTIVE version to update yet: this training is FULL")
            run = {**props, "trainingMode": "FULL"}
        created = super().create(run)
        # The declared mode stays the input; trainedMode says what ran.
        return CreateResult(created.id, {**created.outs, "trainingMode": props.get("trainingMode")})

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        if olds.get("arn") is None and olds.get("status") == WAITING_FOR_IMPORT:
            started = self.create(news)  # the import has finished (diff saw it): train now
            return UpdateResult(started.outs)
        return super().update(self._arn(id_, olds), olds, news)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        arn = self._arn(id_, props)
        if arn is None:
            return ReadResult(id_, props)
        found = super().read(arn, props)
        if found.id is None:
            return found
        # What ran (see trainedMode) is not drift from what was declared.
        declared = {"trainingMode": props.get("trainingMode")}
        return ReadResult(id_, {**found.outs, **declared}, {**found.inputs, **declared})

    def live_status(self, id_: str, props: dict[str, Any]) -> str | None:
        arn = self._arn(id_, props)
        if arn is None:
            status = self._import_status(client(props), props)
            return WAITING_FOR_IMPORT if status in ("CREATE PENDING", "CREATE IN_PROGRESS") else f"IMPORT {status}"
        return super().live_status(arn, props)

    def more_outputs(self, props: dict[str, Any], description: dict[str, Any]) -> dict[str, Any]:
        outputs = {"trainedMode": description.get("trainingMode"), "metrics": None}
        if description.get("status") == "ACTIVE":
            outputs["metrics"] = client(props).get_solution_metrics(
                solutionVersionArn=description["solutionVersionArn"])["metrics"]
        return outputs

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        arn = self._arn(id_, props)
        if arn is not None:
            super().delete(arn, props)

    def delete_without_api(self, arn: str, props: dict[str, Any]) -> None:
        api = client(props)
        description = self.describe(api, arn)
        if description and description.get("status") in ("CREATE PENDING", "CREATE IN_PROGRESS"):
            api.stop_solution_version_creation(solutionVersionArn=arn)
            progress(f"stopped the training of {arn}")

    def _arn(self, id_: str, props: dict[str, Any]) -> str | None:
        return props.get("arn") if id_.startswith(DEFERRED_PREFIX) else id_

    def _has_active_version(self, api, solution_arn: str) -> bool:
        pages = api.get_paginator("list_solution_versions").paginate(solutionArn=solution_arn)
        return any(v.get("status") == "ACTIVE" for page in pages for v in page["solutionVersions"])

    def _import_status(self, api, props: dict[str, Any]) -> str:
        arn = _import_arn(props)
        if not arn:
            return "ACTIVE"  # nothing declared to wait for
        job = api.describe_dataset_import_job(datasetImportJobArn=arn)["datasetImportJob"]
        if "FAILED" in job["status"]:
            raise ResourceFailed(f"{self.kind} of {props['solutionArn']} cannot train: import {arn} ended "
                                 f"{job['status']}: {job.get('failureReason') or 'no reason given'}")
        return job["status"]


class SolutionVersion(PersonalizeResource, module="personalize", name="SolutionVersion"):
    provider_class = SolutionVersionProvider
    output_names = ("metrics", "trainingHours", "trainedMode")
