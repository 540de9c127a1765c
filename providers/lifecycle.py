"""The lifecycle every Personalize resource shares, written once.

A resource module subclasses `PersonalizeProvider` and declares what differs:
its operations, which members replace and which update in place, how to read
its status. Inputs use the API's own member names, so a request is the inputs
restricted to the operation's members and validation is the service model's.

Inputs every resource accepts besides the API members:
  region    the AWS region (changing it means a new resource)
  endpoint  an endpoint URL, e.g. the local emulator; not part of the diff
  waits     deadlines and polling: createSeconds, updateSeconds, deleteSeconds,
            initialPollSeconds, maxPollSeconds; not part of the diff
  adoptArn  take over an existing resource instead of creating one (dynamic
            resources cannot be `pulumi import`ed); not part of the diff
  triggers  any value; a change replaces the resource (e.g. a data version)
  waitUnlessServing
            a campaign name, for the long jobs (imports, training): if that
            campaign already serves a model, create starts the job and returns
            without waiting; a later `up` (or `refresh`) picks up how it ended.
            Not part of the diff
"""

from datetime import datetime
from typing import Any, Callable, Iterator

import pulumi
from pulumi.dynamic import CheckFailure, CheckResult, CreateResult, DiffResult, ReadResult, Resource, ResourceProvider, UpdateResult

from providers import model
from service.waiting import Backoff, progress, wait_for

SERVICE = "personalize"
UNKNOWN = model.UNKNOWN
COMMON_INPUTS = ("region", "endpoint", "waits", "adoptArn", "triggers", "waitUnlessServing")
NOT_DIFFED = ("endpoint", "waits", "adoptArn", "waitUnlessServing")
DEFAULT_WAITS = {"createSeconds": 3600, "updateSeconds": 3600, "deleteSeconds": 1800,
                 "initialPollSeconds": 2.0, "maxPollSeconds": 300.0}
WAIT_KEYS = tuple(DEFAULT_WAITS)


class ResourceFailed(RuntimeError):
    pass


def client(props: dict[str, Any], service: str = SERVICE):
    # Built per call, never stored: providers are pickled into another process.
    import boto3
    from botocore.config import Config

    return boto3.client(service, region_name=props.get("region") or None, endpoint_url=props.get("endpoint") or None,
                        config=Config(retries={"mode": "adaptive", "max_attempts": 10}))


def live_campaigns(api, **filters) -> Iterator[dict[str, Any]]:
    """Summaries of the campaigns not being deleted, across every page."""
    for page in api.get_paginator("list_campaigns").paginate(**filters):
        yield from (c for c in page["campaigns"] if not c.get("status", "").startswith("DELETE"))


def error_code(error: Exception) -> str | None:
    return getattr(error, "response", {}).get("Error", {}).get("Code")


def jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    return value


def overlay(declared: Any, observed: Any) -> Any:
    """What the user declared, with the service's current values where the user
    set one. Defaults the service fills in for unset keys are not drift."""
    if declared is None:
        return None
    if isinstance(declared, dict) and isinstance(observed, dict):
        return {k: overlay(v, observed.get(k)) if k in observed else v for k, v in declared.items()}
    return observed


def canonical(value: Any) -> Any:
    # Numbers come back from the engine as floats; 1 and 1.0 are the same TPS.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: canonical(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [canonical(v) for v in value]
    return value


class PersonalizeProvider(ResourceProvider):
    # --- what a resource module declares ------------------------------------
    kind: str                          # e.g. "dataset group", for messages
    create_op: str                     # e.g. "CreateDatasetGroup"
    describe_op: str
    arn_member: str                    # e.g. "datasetGroupArn"
    description_key: str               # e.g. "datasetGroup"
    name_member: str = "name"          # "jobName" for jobs
    delete_op: str | None = None       # None: the API cannot delete it
    update_op: str | None = None
    updatable: tuple[str, ...] = ()    # members the update operation changes in place
    list_op: str | None = None         # to find a resource by name for adoption
    list_key: str | None = None
    list_scope: tuple[str, ...] = ()   # inputs the list operation is filtered by
    defaults: dict[str, Any] = {}      # our defaults where the service's differ
    has_status: bool = True
    active_statuses: tuple[str, ...] = ("ACTIVE",)
    failed_statuses: tuple[str, ...] = ("CREATE FAILED",)
    extra_outputs: tuple[str, ...] = ()  # description members also exported
    default_waits: dict[str, float] = {}  # where this type's operations take longer than most
    # Statuses of a job still running: a resource left in one (by a create that
    # did not wait) shows a change once the service reports another status.
    running_statuses: tuple[str, ...] = ("CREATE PENDING", "CREATE IN_PROGRESS")

    # --- hooks with sensible defaults ---------------------------------------
    def extra_checks(self, inputs: dict[str, Any]) -> list[CheckFailure]:
        return []

    def replaced_by(self, olds: dict[str, Any], news: dict[str, Any], changed: list[str]) -> list[str]:
        return [k for k in changed if k not in self.updatable]

    def update_request(self, changed: list[str], news: dict[str, Any]) -> dict[str, Any]:
        """The members to send to the update operation for the changed inputs."""
        return {k: news.get(k) for k in changed}

    def update_status(self, description: dict[str, Any]) -> str | None:
        """The status to wait on after an update; most resources report it top level."""
        return description.get("status")

    def more_outputs(self, props: dict[str, Any], description: dict[str, Any]) -> dict[str, Any]:
        return {}

    def delete_without_api(self, arn: str, props: dict[str, Any]) -> None:
        """Resources the API cannot delete stay behind; nothing to do by default."""

    # --- the shared lifecycle -----------------------------------------------
    def api_members(self) -> tuple[str, ...]:
        return model.request_members(SERVICE, self.create_op)

    def observed_value(self, key: str, value: Any) -> Any:
        """How a described value compares with the declared one (e.g. JSON text)."""
        return value

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        # Output placeholders arrive as None inputs; they are not the user's.
        inputs = {k: v for k, v in news.items() if k != "__provider" and v is not None}
        for key, value in self.defaults.items():
            if inputs.get(key) is None:
                inputs[key] = value
        failures = [CheckFailure(path, f"{self.kind} {path}: {reason}")
                    for path, reason in model.validate_request(SERVICE, self.create_op, self._create_request(inputs))]
        allowed = set(self.api_members()) | set(COMMON_INPUTS)
        failures += [CheckFailure(k, f"{self.kind} has no input {k!r}; allowed: {', '.join(sorted(allowed))}")
                     for k in inputs if k not in allowed]
        waits = inputs.get("waits") or {}
        if not model.is_unknown(waits):
            for key, value in waits.items():
                if key not in WAIT_KEYS or isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                    failures.append(CheckFailure(f"waits.{key}", f"waits.{key}={value!r}: allowed keys {', '.join(WAIT_KEYS)}, each a positive number of seconds"))
        if not failures:
            failures = self.extra_checks(inputs)
        return CheckResult(inputs, failures)

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        keys = [k for k in self.api_members() + ("region", "triggers") if k not in NOT_DIFFED]
        changed = [k for k in keys if model.is_unknown(news.get(k)) or canonical(olds.get(k)) != canonical(news.get(k))]
        if not changed and olds.get("status") in self.running_statuses and \
                self.live_status(id_, {**olds, "endpoint": news.get("endpoint"), "region": news.get("region")}) != olds["status"]:
            return DiffResult(changes=True, replaces=[], delete_before_replace=False)  # the job moved on: record it
        in_place = [k for k in changed if k == "tags"]  # TagResource/UntagResource, for every resource
        replaces = [k for k in changed if k in ("region", "triggers")] + \
            [k for k in self.replaced_by(olds, news, [k for k in changed if k not in in_place + ["region", "triggers"]])]
        same_name = olds.get(self.name_member) == news.get(self.name_member)
        # Names are unique per account and region: the old one must go first.
        return DiffResult(changes=bool(changed), replaces=replaces, delete_before_replace=bool(replaces) and same_name)

    def create(self, props: dict[str, Any]) -> CreateResult:
        api = client(props)
        if props.get("adoptArn"):
            arn = props["adoptArn"]
            self._check_adoptable(api, arn, props)
        else:
            arn = self._create_or_adopt(api, props)
        description = self._settle(api, arn, props, "create")
        self._sync_tags(api, arn, props, existing=None)
        return CreateResult(arn, self._outputs(api, arn, props, description))

    def live_status(self, id_: str, props: dict[str, Any]) -> str | None:
        description = self.describe(client(props), id_)
        return description.get("status") if description else None

    def may_return_early(self, api, props: dict[str, Any]) -> bool:
        """True when the stack asked not to wait and a campaign already serves a
        model, so nothing is left without one while this job runs."""
        name = props.get("waitUnlessServing")
        if not name:
            return False
        return any(c["name"] == name and c.get("status") == "ACTIVE" for c in live_campaigns(api))

    def _settle(self, api, arn: str, props: dict[str, Any], phase: str) -> dict[str, Any]:
        """Wait for the job to finish, or only note where it is when the stack does not wait."""
        if not self.may_return_early(api, props):
            return self._wait_until_active(api, arn, props, phase)
        description = self._check_not_failed(api, arn, props, self.describe(api, arn) or {})
        progress(f"{self.kind} {arn} is {description.get('status')}; not waiting for it "
                 f"(campaign {props['waitUnlessServing']} keeps its model; a later `up` continues)")
        return description

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        api = client(props)
        description = self.describe(api, id_)
        if description is None:
            return ReadResult(None, {})
        declared = {k: props.get(k) for k in self.api_members() + COMMON_INPUTS if k in props}
        observed = dict(declared)
        for key in self.api_members():
            if key in description and key != "tags":
                observed[key] = overlay(declared.get(key), self.observed_value(key, jsonable(description[key])))
        return ReadResult(id_, self._outputs(api, id_, observed, description), observed)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        api = client(news)
        if olds.get("status") in self.running_statuses:
            # Left running by an earlier `up`: wait for it now, or record where it is.
            return UpdateResult(self._outputs(api, id_, news, self._settle(api, id_, news, "create")))
        # `diff` let only in-place changes through to here.
        changed = [k for k in self.api_members() if k != "tags" and canonical(olds.get(k)) != canonical(news.get(k))]
        if changed:
            request = model.build_request(SERVICE, self.update_op, self.update_request(changed, news),
                                          **{self.arn_member: id_})
            self._call_while_in_use(lambda: getattr(api, _snake(self.update_op))(**request), news, "update")
            self._wait_for_update(api, id_, news)
        self._sync_tags(api, id_, news, existing=olds.get("tags"))
        return UpdateResult(self._outputs(api, id_, news, self.describe(api, id_)))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        api = client(props)
        if self.delete_op is None:
            self.delete_without_api(id_, props)
            return

        def attempt():
            try:
                getattr(api, _snake(self.delete_op))(**{self.arn_member: id_})
            except api.exceptions.ResourceNotFoundException:
                pass  # already gone is deleted

        self._call_while_in_use(attempt, props, "delete")
        wait_for(f"{self.kind} {id_} to be deleted", lambda: True if self.describe(api, id_) is None else None,
                 self._waits(props)["deleteSeconds"], self._backoff(props))

    # --- pieces --------------------------------------------------------------
    def describe(self, api, arn: str) -> dict[str, Any] | None:
        try:
            response = getattr(api, _snake(self.describe_op))(**{self.arn_member: arn})
        except api.exceptions.ResourceNotFoundException:
            return None
        return response[self.description_key]

    def _create_request(self, props: dict[str, Any]) -> dict[str, Any]:
        return model.build_request(SERVICE, self.create_op, props)

    def _create_or_adopt(self, api, props: dict[str, Any]) -> str:
        request = self._create_request(props)
        try:
            response = self._call_while_in_use(lambda: getattr(api, _snake(self.create_op))(**request), props, "create")
            progress(f"created {self.kind} {props.get(self.name_member) or response[self.arn_member]}")
            return response[self.arn_member]
        except api.exceptions.ResourceAlreadyExistsException:
            arn = self._find_by_name(api, props)
            if arn is None:
                raise
            self._check_adoptable(api, arn, props)
            progress(f"adopted the existing {self.kind} {arn}: it was left by an earlier run with the same settings")
            return arn

    def _find_by_name(self, api, props: dict[str, Any]) -> str | None:
        if not self.list_op:
            return None
        request = {k: props[k] for k in self.list_scope if props.get(k)}
        summaries = (summary for page in api.get_paginator(_snake(self.list_op)).paginate(**request)
                     for summary in page[self.list_key])
        return next((s[self.arn_member] for s in summaries if s.get(self.name_member) == props.get(self.name_member)), None)

    def _check_adoptable(self, api, arn: str, props: dict[str, Any]) -> None:
        description = self.describe(api, arn)
        if description is None:
            raise ResourceFailed(f"cannot adopt {self.kind} {arn}: it does not exist")
        declared = self._create_request(props)
        # A member the description can carry but omits is unset in the service.
        described = {k: self.observed_value(k, jsonable(description.get(k))) for k in self._described_members()}
        differences = [f"{k}: existing {described[k]!r}, declared {v!r}" for k, v in declared.items()
                       if k in described and canonical(overlay(v, described[k])) != canonical(v)]
        if differences:
            raise ResourceFailed(f"{self.kind} {arn} already exists with other settings ({'; '.join(differences)}); "
                                 f"delete it, rename the resource, or declare the existing settings")

    def _described_members(self) -> tuple[str, ...]:
        output = model.operation(SERVICE, self.describe_op).output_shape.members[self.description_key]
        return tuple(output.members)

    def _check_not_failed(self, api, arn: str, props: dict[str, Any], description: dict[str, Any]) -> dict[str, Any]:
        status = description.get("status")
        if status in self.failed_statuses:
            self._clean_up_failed(api, arn, props)
            # Some types (dataset, solution, event tracker) have no failureReason in the API.
            reason = description.get("failureReason") or f"the service reports no reason for a {self.kind}"
            raise ResourceFailed(f"{self.kind} {arn} ended {status}: {reason}")
        return description

    def _wait_until_active(self, api, arn: str, props: dict[str, Any], phase: str) -> dict[str, Any]:
        def poll():
            description = self.describe(api, arn)
            if description is None:
                return None
            if not self.has_status:
                return description
            self._check_not_failed(api, arn, props, description)
            return description if description.get("status") in self.active_statuses else None

        return wait_for(f"{self.kind} {arn} to become {'/'.join(self.active_statuses)}", poll,
                        self._waits(props)[f"{phase}Seconds"], self._backoff(props))

    def _wait_for_update(self, api, arn: str, props: dict[str, Any]) -> None:
        def poll():
            description = self.describe(api, arn)
            status = self.update_status(description or {})
            if status and "FAILED" in status:
                raise ResourceFailed(f"updating {self.kind} {arn} failed: {_failure_reason(description)}")
            return description if status == "ACTIVE" else None

        wait_for(f"the update of {self.kind} {arn}", poll, self._waits(props)["updateSeconds"], self._backoff(props))

    def _clean_up_failed(self, api, arn: str, props: dict[str, Any]) -> None:
        # Nothing half-created stays behind where the API can delete it.
        if self.delete_op:
            try:
                getattr(api, _snake(self.delete_op))(**{self.arn_member: arn})
            except Exception as error:  # the failure being reported matters more
                progress(f"could not delete the failed {self.kind} {arn}: {error}")

    def _call_while_in_use(self, call: Callable[[], Any], props: dict[str, Any], phase: str) -> Any:
        """Retry while the service says a dependent or a running operation is in the way."""
        outcome: dict[str, Any] = {}

        def attempt():
            try:
                outcome["value"] = call()
                return True
            except Exception as error:
                if error_code(error) == "ResourceInUseException":
                    progress(f"{self.kind}: {error}; retrying")
                    return None
                raise

        wait_for(f"{self.kind} to be free to {phase}", attempt, self._waits(props)[f"{phase}Seconds"], self._backoff(props))
        return outcome.get("value")

    def _sync_tags(self, api, arn: str, props: dict[str, Any], existing: list | None) -> None:
        declared = {t["tagKey"]: t["tagValue"] for t in props.get("tags") or []}
        before = {t["tagKey"]: t["tagValue"] for t in existing or []}
        if existing is None or declared == before:
            return
        if removed := [k for k in before if k not in declared]:
            api.untag_resource(resourceArn=arn, tagKeys=removed)
        if declared:
            api.tag_resource(resourceArn=arn, tags=[{"tagKey": k, "tagValue": v} for k, v in declared.items()])

    def _outputs(self, api, arn: str, props: dict[str, Any], description: dict[str, Any] | None) -> dict[str, Any]:
        description = description or {}
        outputs = {k: props.get(k) for k in self.api_members() + COMMON_INPUTS if k in props}
        outputs["arn"] = arn
        outputs["status"] = description.get("status", "ACTIVE" if description else None)
        for key in self.extra_outputs:
            outputs[key] = jsonable(description.get(key))
        outputs.update(self.more_outputs(props, description))
        return outputs

    def _waits(self, props: dict[str, Any]) -> dict[str, float]:
        return {**DEFAULT_WAITS, **self.default_waits, **(props.get("waits") or {})}

    def _backoff(self, props: dict[str, Any]) -> Backoff:
        waits = self._waits(props)
        return Backoff(initial_seconds=waits["initialPollSeconds"], max_seconds=waits["maxPollSeconds"])


def _failure_reason(description: dict[str, Any] | None) -> str:
    for key in ("latestCampaignUpdate", "latestSolutionUpdate", "latestDatasetUpdate"):
        if description and key in description and description[key].get("failureReason"):
            return description[key]["failureReason"]
    return (description or {}).get("failureReason", "no reason given")


def _snake(op: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in op).lstrip("_")


class PersonalizeResource(Resource):
    """Base of the resource classes: inputs are keyword arguments named like the
    API's members (plus the common inputs above); `check` rejects unknown ones."""

    arn: pulumi.Output[str]
    status: pulumi.Output[str]
    provider_class: type[PersonalizeProvider]
    output_names: tuple[str, ...] = ()

    def __init__(self, resource_name: str, opts: pulumi.ResourceOptions | None = None, **props: Any):
        placeholders = {k: None for k in ("arn", "status") + self.output_names}
        super().__init__(self.provider_class(), resource_name, {**placeholders, **props}, opts)
