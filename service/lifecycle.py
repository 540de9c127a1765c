"""One resource's lifecycle with boto3 alone, read from its spec: describe,
create or adopt, wait until done (or failed), update in place, delete.

What a resource type does differently from the spec's rules is a named hook
(`Hooks`), overridden by its resource module; everything else is here, once.
Nothing here knows about Pulumi: the providers call it from the engine, the
commands call it directly."""

import contextlib
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from common.names import bounded_name, fingerprint
from common.statuses import ACTIVE
from service.client import client, error_code
from service.errors import ResourceFailed
from service.specs import CAMPAIGN, ResourceSpec
from service.waiting import DEFAULT_WAITS, Backoff, progress, wait_for
from servicemodel.requests import SERVICE, build_request


def snake(op: str) -> str:
    """boto3's method name of an operation: CreateDatasetGroup -> create_dataset_group."""
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in op).lstrip("_")


def jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    return value


def overlay(declared: Any, observed: Any, default: Any = None) -> Any:
    """What the user declared, with the service's current values where the user
    set one, and where a key the user left out no longer holds the service's
    documented `default` (a spec's service_defaults): that is drift, which the
    next update undoes. What the service fills in for other unset keys is not."""
    if declared is None:
        return _moved_off(observed, default)
    if isinstance(declared, dict) and isinstance(observed, dict):
        defaults = default if isinstance(default, dict) else {}
        merged = {
            k: overlay(declared.get(k), observed[k], defaults.get(k)) if k in observed else declared.get(k)
            for k in [*declared, *(k for k in defaults if k not in declared)]
        }
        return {k: v for k, v in merged.items() if k in declared or v is not None}
    return observed


def reset_removed(before: Any, after: Any, default: Any) -> Any:
    """`after`, with the documented `default` of every key `before` had and
    `after` has not (a spec's service_defaults): left out of an update, a
    removed key (or one read off its default, see `overlay`) would keep its old
    value in the service."""
    if isinstance(default, dict) and isinstance(before, dict):
        merged = dict(after or {})
        for key, old in before.items():
            if key in default and (value := reset_removed(old, merged.get(key), default[key])) is not None:
                merged[key] = value
        return merged
    return default if after is None and before is not None else after


def _moved_off(observed: Any, default: Any) -> Any:
    """The part of `observed` that differs from `default`; None when none does,
    or when no default is documented (None)."""
    if default is None:
        return None
    if isinstance(default, dict) and isinstance(observed, dict):
        moved = {k: _moved_off(observed[k], d) for k, d in default.items() if k in observed}
        return {k: v for k, v in moved.items() if v is not None} or None
    return None if canonical(observed) == canonical(default) else observed


def canonical(value: Any) -> Any:
    # Numbers come back from the engine as floats; 1 and 1.0 are the same TPS.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: canonical(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [canonical(v) for v in value]
    return value


# Tags this project sets itself (providers/solution.py's retained-for mark) and
# the ones AWS reserves (aws:, https://docs.aws.amazon.com/personalize/latest/dg/personalize-managing-tags.html):
# a read does not report them and no update removes them.
# The stack's own tags (stacks/tags.py: personalize-pulumi:stack, ...) are
# declared inputs like the user's, so their drift is reported and undone.
INTERNAL_TAG_PREFIX = "personalize-pulumi:"
RETAINED_TAG = f"{INTERNAL_TAG_PREFIX}retained-for"
INTERNAL_TAGS = (RETAINED_TAG,)
RESERVED_TAG_PREFIXES = ("aws:",)


def is_internal_tag(key: str) -> bool:
    return key in INTERNAL_TAGS or key.startswith(RESERVED_TAG_PREFIXES)


def comparable(spec: ResourceSpec, member: str, value: Any) -> Any:
    """`value` as a change is judged: canonical, and a list whose order means
    nothing (tags, spec.unordered) sorted by the key naming its elements."""
    value = canonical(value)
    key = spec.element_key(member)
    if key and isinstance(value, list):
        return sorted(value, key=lambda e: str(e.get(key)) if isinstance(e, dict) else str(e))
    return value


def live_campaigns(api: Any, **filters: Any) -> Iterator[dict[str, Any]]:
    """Summaries of the campaigns not being deleted, across every page."""
    for page in api.get_paginator(snake(CAMPAIGN.list_op)).paginate(**filters):
        yield from (c for c in page[CAMPAIGN.list_key] if not c.get("status", "").startswith("DELETE"))


class HeldWithOtherSettings(ResourceFailed):
    """A resource with the declared name exists, with settings other than the declared ones."""

    def __init__(self, message: str, holder: str):
        super().__init__(message)
        self.holder = holder


class Hooks:
    """What a resource type's API does differently; the defaults fit most types."""

    def observed_value(self, key: str, value: Any) -> Any:
        """How a described value compares with the declared one (e.g. JSON text)."""
        return value


class Lifecycle:
    """One resource type's operations for one connection (region, endpoint, waits)."""

    def __init__(self, spec: ResourceSpec, props: dict[str, Any], hooks: Hooks | None = None):
        self.spec, self.hooks = spec, hooks or Hooks()
        self.api = client(SERVICE, props.get("region"), props.get("endpoint"))
        self.waits: dict[str, float] = {**DEFAULT_WAITS, **spec.default_waits, **(props.get("waits") or {})}
        self.backoff = Backoff(
            initial_seconds=self.waits["initialPollSeconds"], max_seconds=self.waits["maxPollSeconds"]
        )

    def call(self, op: str, **request: Any) -> Any:
        return getattr(self.api, snake(op))(**request)

    # --- reading ---------------------------------------------------------------
    def describe(self, arn: str) -> dict[str, Any] | None:
        try:
            response = self.call(self.spec.describe_op, **{self.spec.arn_member: arn})
        except self.api.exceptions.ResourceNotFoundException:
            return None
        return response[self.spec.description_key]

    def status(self, arn: str) -> str | None:
        description = self.describe(arn)
        return description.get("status") if description else None

    def summaries(self, **scope: Any) -> Iterator[dict[str, Any]]:
        request = {k: v for k, v in scope.items() if k in self.spec.list_scope and v}
        for page in self.api.get_paginator(snake(self.spec.list_op)).paginate(**request):
            yield from page[self.spec.list_key]

    def descriptions(self, newest: int, **scope: Any) -> Iterator[dict[str, Any]]:
        """The descriptions of the `newest` resources the list operation finds in
        scope, newest first, for what summaries leave out (a solution version's
        name). Bounded: a solution retrained every hour has thousands of versions."""
        summaries = sorted(self.summaries(**scope), key=lambda s: str(s.get("creationDateTime", "")), reverse=True)
        for summary in summaries[:newest]:
            description = self.describe(summary[self.spec.arn_member])
            if description is not None:
                yield description

    def find_by_name(self, props: dict[str, Any], scoped: bool = True) -> str | None:
        """The ARN of the resource with the declared name, among those the list
        operation finds in the declared scope (e.g. the dataset group), or in the
        whole account and region."""
        name = props.get(self.spec.name_member)
        summaries = self.summaries(**props) if scoped else self.summaries()
        return next((s[self.spec.arn_member] for s in summaries if s.get(self.spec.name_member) == name), None)

    def failure_reason(self, description: dict[str, Any] | None, update: bool = False) -> str:
        """The service's reason for a failure: an update's own first, then the resource's."""
        description = description or {}
        places = [description.get(self.spec.update_status_key or "") or {}] if update else []
        for place in [*places, description]:
            if place.get("failureReason"):
                return str(place["failureReason"])
        # Some types (dataset, solution, event tracker) have no failureReason in the API.
        return "no reason given" if update else f"the service reports no reason for a {self.spec.kind}"

    # --- creating ----------------------------------------------------------------
    def create_request(self, props: dict[str, Any]) -> dict[str, Any]:
        return build_request(SERVICE, self.spec.create_op, props)

    def create_or_adopt(self, props: dict[str, Any]) -> str:
        """Create the resource, or adopt the one an interrupted run left under the
        same name. A name held by a resource with other settings (the one this
        replaces, or a job, which can never be deleted) is left to it: this one
        takes its replacement name."""
        try:
            return self._create_or_adopt(props)
        except HeldWithOtherSettings as held:
            if self.spec.one_per:
                raise  # the old one must go first (the diff plans it so)
            name = self.replacement_name(props)
            progress(f"{held.holder} holds the name {props.get(self.spec.name_member)}: creating {name} instead")
            return self._create_or_adopt({**props, self.spec.name_member: name})

    def replacement_name(self, props: dict[str, Any]) -> str:
        """The declared name and a fingerprint of the settings: the same settings, the same name."""
        request = {k: v for k, v in self.create_request(props).items() if k not in (self.spec.name_member, "tags")}
        return bounded_name([str(props.get(self.spec.name_member))], fingerprint(request))

    def _create_or_adopt(self, props: dict[str, Any]) -> str:
        request = self.create_request(props)
        try:
            response = self.while_in_use(lambda: self.call(self.spec.create_op, **request), "create")
            progress(f"created {self.spec.kind} {props.get(self.spec.name_member) or response[self.spec.arn_member]}")
            return str(response[self.spec.arn_member])
        except self.api.exceptions.ResourceAlreadyExistsException:
            arn = self.find_by_name(props)
            if arn is None:
                # Names are unique in the account and region, not in a scope: the name
                # is held elsewhere (a solution of another group), by another resource.
                holder = self.find_by_name(props, scoped=False)
                if holder is None:
                    raise
                raise HeldWithOtherSettings(
                    f"{self.spec.kind} {holder} already holds the name {props.get(self.spec.name_member)}",
                    holder=f"{self.spec.kind} {holder}, elsewhere,",
                ) from None
            self.check_adoptable(arn, props)
            progress(
                f"adopted the existing {self.spec.kind} {arn}: it was left by an earlier run with the same settings"
            )
            return arn

    def check_adoptable(self, arn: str, props: dict[str, Any]) -> None:
        description = self.describe(arn)
        if description is None:
            raise ResourceFailed(f"cannot adopt {self.spec.kind} {arn}: it does not exist")
        declared = self.create_request(props)
        # A member the description can carry but omits is unset in the service.
        described = {k: self.hooks.observed_value(k, jsonable(description.get(k))) for k in self.spec.described_members}
        differences = [
            f"{k}: existing {described[k]!r}, declared {v!r}"
            for k, v in declared.items()
            if k in described and canonical(overlay(v, described[k])) != canonical(v)
        ]
        if differences:
            raise HeldWithOtherSettings(
                f"{self.spec.kind} {arn} already exists with other settings ({'; '.join(differences)}); "
                f"delete it, rename the resource, or declare the existing settings",
                holder=f"{self.spec.kind} {arn}, with other settings ({'; '.join(differences)}),",
            )

    # --- waiting -----------------------------------------------------------------
    def check_not_failed(self, arn: str, description: dict[str, Any]) -> dict[str, Any]:
        status = description.get("status")
        if status in self.spec.failed:
            self.clean_up_failed(arn)
            raise ResourceFailed(f"{self.spec.kind} {arn} ended {status}: {self.failure_reason(description)}")
        return description

    def wait_until_done(self, arn: str, phase: str = "create") -> dict[str, Any]:
        def poll() -> dict[str, Any] | None:
            description = self.describe(arn)
            if description is None:
                return None
            if not self.spec.has_status:
                return description
            self.check_not_failed(arn, description)
            return description if description.get("status") in self.spec.done else None

        return wait_for(
            f"{self.spec.kind} {arn} to become {'/'.join(self.spec.done)}",
            poll,
            self.waits[f"{phase}Seconds"],
            self.backoff,
        )

    def wait_for_update(self, arn: str) -> dict[str, Any]:
        def poll() -> dict[str, Any] | None:
            description = self.describe(arn) or {}
            update = description.get(self.spec.update_status_key or "") or {}
            status = update.get("status", description.get("status"))
            if status in self.spec.update_failed:
                raise ResourceFailed(
                    f"updating {self.spec.kind} {arn} failed: {self.failure_reason(description, update=bool(update))}"
                )
            return description if status == ACTIVE else None

        return wait_for(f"the update of {self.spec.kind} {arn}", poll, self.waits["updateSeconds"], self.backoff)

    def while_in_use(self, call: Callable[[], Any], phase: str) -> Any:
        """Retry while the service says a dependent or a running operation is in the way."""
        outcome: dict[str, Any] = {}

        def attempt() -> bool | None:
            try:
                outcome["value"] = call()
                return True
            except Exception as error:
                if error_code(error) == "ResourceInUseException":
                    progress(f"{self.spec.kind}: {error}; retrying")
                    return None
                raise

        wait_for(f"{self.spec.kind} to be free to {phase}", attempt, self.waits[f"{phase}Seconds"], self.backoff)
        return outcome.get("value")

    # --- changing ----------------------------------------------------------------
    def update(self, arn: str, members: dict[str, Any]) -> dict[str, Any]:
        """Send `members` to the update operation and wait for the update to finish."""
        op = self.spec.update_op
        if op is None:
            raise ResourceFailed(f"a {self.spec.kind} cannot be updated in place")
        request = build_request(SERVICE, op, members, **{self.spec.arn_member: arn})
        self.while_in_use(lambda: self.call(op, **request), "update")
        return self.wait_for_update(arn)

    def tags(self, arn: str) -> list[dict[str, str]] | None:
        """The resource's tags but the internal ones; None for a type without tags."""
        if not self.spec.taggable:
            return None
        listed = self.api.list_tags_for_resource(resourceArn=arn)["tags"]
        return [{"tagKey": t["tagKey"], "tagValue": t["tagValue"]} for t in listed if not is_internal_tag(t["tagKey"])]

    def sync_tags(self, arn: str, declared_tags: list | None) -> None:
        """Make the resource's tags the declared ones, in place: compared with what
        the service holds now, so tags added to a resource created without any,
        and tags changed out of band, are applied. Internal tags stay."""
        if not self.spec.taggable:
            return
        declared = {t["tagKey"]: t["tagValue"] for t in declared_tags or []}
        before = {t["tagKey"]: t["tagValue"] for t in self.tags(arn) or []}
        if removed := [k for k in before if k not in declared]:
            self.api.untag_resource(resourceArn=arn, tagKeys=removed)
        if changed := [{"tagKey": k, "tagValue": v} for k, v in declared.items() if before.get(k) != v]:
            self.api.tag_resource(resourceArn=arn, tags=changed)
        if removed or changed:
            progress(f"{self.spec.kind} {arn}: tags set to {declared or 'none'}")

    def change_state(self, op: str, arn: str, until: str) -> dict[str, Any]:
        """Call `op` (StopRecommender, StartRecommender) and wait until the resource's status is `until`."""
        self.while_in_use(lambda: self.call(op, **{self.spec.arn_member: arn}), "update")

        def poll() -> dict[str, Any] | None:
            description = self.describe(arn)
            if description is None:
                raise ResourceFailed(f"{self.spec.kind} {arn} is gone")
            return description if description.get("status") == until else None

        return wait_for(f"{self.spec.kind} {arn} to become {until}", poll, self.waits["updateSeconds"], self.backoff)

    def delete(self, arn: str) -> None:
        """Delete and wait until it is gone; already gone is deleted."""
        op = self.spec.delete_op
        if op is None:
            raise ResourceFailed(f"the API cannot delete a {self.spec.kind}")

        def attempt() -> None:
            with contextlib.suppress(self.api.exceptions.ResourceNotFoundException):
                self.call(op, **{self.spec.arn_member: arn})

        self.while_in_use(attempt, "delete")
        wait_for(
            f"{self.spec.kind} {arn} to be deleted",
            lambda: True if self.describe(arn) is None else None,
            self.waits["deleteSeconds"],
            self.backoff,
        )

    def clean_up_failed(self, arn: str) -> None:
        # Nothing half-created stays behind where the API can delete it.
        if self.spec.delete_op:
            try:
                self.call(self.spec.delete_op, **{self.spec.arn_member: arn})
            except Exception as error:  # the failure being reported matters more
                progress(f"could not delete the failed {self.spec.kind} {arn}: {error}")
