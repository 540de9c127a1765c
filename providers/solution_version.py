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
it, which replaces the placeholder with the version's ARN.

An `up` interrupted while a model trains (killed, or its runner cancelled)
records nothing, but the training goes on, and is billed. Create therefore
names each training by a fingerprint of what makes it a new one (see
`version_name`) and first looks among the solution's versions for one of that
name that is still training or ACTIVE: it adopts it and waits for it, and
trains only when there is none."""

from typing import Any

from common.names import bounded_name, fingerprint
from common.statuses import ACTIVE, CREATE_FAILED, CREATE_RUNNING, WAITING_FOR_IMPORT
from providers.lifecycle import NOT_STARTED_PREFIX, PersonalizeProvider, PersonalizeResource
from service import specs
from service.errors import ResourceFailed
from service.lifecycle import Lifecycle, canonical
from service.waiting import progress

__all__ = ["WAITING_FOR_IMPORT", "SolutionVersion", "SolutionVersionProvider", "version_name"]

# A training in one of these was started by an earlier run and is not lost:
# create waits for it instead of paying for the same training again.
RESUMABLE = (*CREATE_RUNNING, ACTIVE)
# How many of a solution's latest versions create looks at: the training an
# interrupted `up` left is among the newest, and each look is one describe call.
RECENT_TRAININGS = 20


def _import_arn(props: dict[str, Any]) -> str | None:
    return (props.get("triggers") or {}).get("datasetImportJobArn")


def version_name(props: dict[str, Any], attempt: int = 1) -> str:
    """The name create gives a training: the solution's name and a fingerprint
    of what makes a new training (the solution, the declared trainingMode and
    the triggers, i.e. the import of the data). The declared mode, not the one
    that ran: an interrupted first UPDATE trained FULL, and must be found again.

    Computed at create, not an input: a new input would make every deployed
    stack's next plan replace its version, i.e. retrain. Attempt 2, 3, ...
    after a training of these settings failed or was stopped: a retry trains
    anew, and no name is given twice (the API may refuse a taken name)."""
    digest = fingerprint(props["solutionArn"], props.get("trainingMode"), canonical(props.get("triggers")))
    solution = props["solutionArn"].rsplit("/", 1)[-1]
    return bounded_name([solution], digest if attempt == 1 else f"{digest}-{attempt}")


class SolutionVersionProvider(PersonalizeProvider):
    spec = specs.SOLUTION_VERSION
    computed_outputs = ("trainedMode", "metrics")
    # The declared mode stays the input; trainedMode says what ran. The name
    # create gives a version is not an input (version_name): a read leaves it out.
    declared_only = ("trainingMode", "name")

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

    def start(self, lifecycle: Lifecycle, props: dict[str, Any]) -> str:
        """Adopt the training an interrupted run started with these settings, or train.

        Looked for before the UPDATE fallback of `before_create`: an interrupted
        first training (FULL) may be ACTIVE by now, and must be adopted, not
        followed by an UPDATE training."""
        described = list(lifecycle.descriptions(RECENT_TRAININGS, solutionArn=props["solutionArn"]))
        if props.get("name"):  # the stack named it: that name is the training's identity
            names = [props["name"]]
        else:
            names = [version_name(props, attempt) for attempt in range(1, len(described) + 2)]
        resumable = [d for d in described if d.get("name") in names and d.get("status") in RESUMABLE]
        if resumable:
            earlier = max(resumable, key=lambda d: str(d.get("creationDateTime", "")))
            progress(
                f"adopted {self.kind} {earlier['solutionVersionArn']} ({earlier['status']}): an earlier `up` "
                f"started this training with the same settings; waiting for it instead of training again"
            )
            return str(earlier["solutionVersionArn"])
        taken = {d.get("name") for d in described}
        name = next((n for n in names if n not in taken), names[0])
        return lifecycle.create_or_adopt(self.before_create(lifecycle, {**props, "name": name}))

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
