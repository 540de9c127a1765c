"""The Pulumi adapter every Personalize resource shares, written once.

A resource module names its spec (service/specs.py) and overrides only the
hooks below where its API really differs. Inputs use the API's own member
names, so a request is the inputs restricted to the operation's members and
validation is the service model's.

Inputs every resource accepts besides the API members:
  region    the AWS region (changing it means a new resource)
  endpoint  an endpoint URL, e.g. the local emulator; not part of the diff
  waits     deadlines and polling: createSeconds, updateSeconds, deleteSeconds,
            initialPollSeconds, maxPollSeconds; not part of the diff
  adoptArn  take over an existing resource instead of creating one (dynamic
            resources cannot be `pulumi import`ed); not part of the diff
  triggers  any value; a change replaces the resource (e.g. a data version)
  waitUnlessServing
            a campaign name (or a list of them), for the long jobs (imports,
            training): if every one already serves a model, create starts the job and returns
            without waiting; a later `up` (or `refresh`) picks up how it ended.
            Not part of the diff
"""

import functools
import sys
from collections.abc import Callable
from typing import Any, ClassVar

import pulumi
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    CreateResult,
    DiffResult,
    ReadResult,
    Resource,
    UpdateResult,
)

from common.statuses import ACTIVE
from providers.connected import ConnectedProvider
from providers.preview import UNKNOWN, is_unknown
from service.errors import ResourceFailed, explained
from service.lifecycle import (
    RETAINED_TAG,
    Hooks,
    Lifecycle,
    canonical,
    comparable,
    is_internal_tag,
    jsonable,
    live_campaigns,
    overlay,
    reset_removed,
)
from service.specs import ResourceSpec
from service.waiting import WAIT_KEYS, DeadlineExceeded, progress, waits_inconsistency, waits_problems
from servicemodel.requests import SERVICE, build_request, validate_request

__all__ = ["NOT_STARTED_PREFIX", "UNKNOWN", "PersonalizeProvider", "PersonalizeResource", "ResourceFailed"]

COMMON_INPUTS = ("region", "endpoint", "waits", "adoptArn", "triggers", "waitUnlessServing")
NOT_DIFFED = ("endpoint", "waits", "adoptArn", "waitUnlessServing")
# The id of a resource recorded before the service could start it (a training
# waiting for its import): it has no ARN yet, and becomes one when it starts.
NOT_STARTED_PREFIX = "deferred:"
# Recorded with every resource: a resource the service has under the same ARN
# but created at another time is another one (see `delete`).
CREATED = "creationDateTime"


def _explaining(method: Callable[..., Any]) -> Callable[..., Any]:
    """The engine's calls end in one clear message when the service cannot be
    reached, denies access or throttles past the retries; botocore's chain of
    exceptions is left out (`from None`), as it says nothing more. Our own
    errors (a failed resource, a deadline) are clear already."""

    @functools.wraps(method)
    def call(self: "PersonalizeProvider", *args: Any) -> Any:
        _show_frames(True)
        try:
            return method(self, *args)
        except (ResourceFailed, DeadlineExceeded):
            _show_frames(False)
            raise
        except Exception as error:
            props = args[-1] if args and isinstance(args[-1], dict) else {}
            name = props.get(self.spec.name_member) or (args[0] if isinstance(args[0], str) else "")
            clear = explained(error, f"{self.kind} {name}".strip(), props.get("endpoint"), props.get("region"))
            if clear is None:
                raise  # a bug: its traceback is what the next engineer needs
            _show_frames(False)
            raise clear from None

    return call


def _show_frames(show: bool) -> None:
    """The SDK's provider server sends the engine `traceback.format_exc()` of
    whatever a call raises (`_abort_with_traceback`, pulumi/dynamic/__main__.py):
    for a clear message, a page of frames above the one line a user needs. With
    `sys.tracebacklimit` 0 the traceback module prints the last line alone. Only
    in that server's process: tests and commands keep their tracebacks. The
    setting is the process's: each call sets it again before it starts."""
    main = sys.modules.get("__main__")
    if getattr(getattr(main, "__spec__", None), "name", None) == "pulumi.dynamic.__main__":
        sys.tracebacklimit = None if show else 0


class PersonalizeProvider(ConnectedProvider, Hooks):
    spec: ClassVar[ResourceSpec]
    own_inputs: ClassVar[tuple[str, ...]] = ()  # inputs that are ours, not the API's, only checked
    # Inputs that are ours and are kept: diffed, changed in place by the hooks
    # (before_update/after_update), read back from `described` (a recommender's `active`).
    own_settings: ClassVar[tuple[str, ...]] = ()
    computed_outputs: ClassVar[tuple[str, ...]] = ()  # outputs `more_outputs` adds
    # Members whose declared value stands after a read (what ran is reported apart).
    declared_only: ClassVar[tuple[str, ...]] = ()

    @property
    def kind(self) -> str:
        return self.spec.kind

    # --- hooks: what a resource type's API does differently --------------------
    def normalise(self, inputs: dict[str, Any]) -> dict[str, Any]:
        """The inputs as the service will describe them (e.g. upper-case types)."""
        return inputs

    def problems(self, inputs: dict[str, Any]) -> list[tuple[str, str]]:
        """(input, message) for what the service model cannot check."""
        return []

    def change_problems(self, olds: dict[str, Any], news: dict[str, Any]) -> list[tuple[str, str]]:
        """(input, message) for a change from the recorded inputs the service would refuse."""
        return []

    def start_problems(self, olds: dict[str, Any], news: dict[str, Any]) -> list[tuple[str, str]]:
        """(input, message) for what the service would accept and then fail on
        once started (an import from a location that holds nothing); `olds` is
        empty for a new resource. Asked last, as it may call the service."""
        return []

    def replaced_by(self, olds: dict[str, Any], news: dict[str, Any], changed: list[str]) -> list[str]:
        return [k for k in changed if k not in self.spec.updatable + self.spec.record_only]

    def update_request(self, changed: list[str], news: dict[str, Any], olds: dict[str, Any]) -> dict[str, Any]:
        """The members to send to the update operation for the changed inputs
        (`olds`: what was declared, or read). A key removed from a member with
        documented defaults is sent with its default."""
        defaults = self.spec.service_defaults
        return {
            k: reset_removed(olds.get(k), news.get(k), defaults[k]) if k in defaults else news.get(k) for k in changed
        }

    def before_create(self, lifecycle: Lifecycle, props: dict[str, Any]) -> dict[str, Any]:
        """The inputs the create request is built from (the declared ones by default)."""
        return props

    def start(self, lifecycle: Lifecycle, props: dict[str, Any]) -> str:
        """The ARN of the resource create then waits for: a new one, or the one an
        interrupted run left (by default found by name when the service refuses
        the name as taken)."""
        return lifecycle.create_or_adopt(self.before_create(lifecycle, props))

    def not_started(self, lifecycle: Lifecycle, props: dict[str, Any]) -> tuple[str, str] | None:
        """The id and status to record the resource under when the service cannot
        start it yet (the id starts with NOT_STARTED_PREFIX); None: create it now."""
        return None

    def not_started_status(self, lifecycle: Lifecycle, props: dict[str, Any]) -> str | None:
        """Where a resource that has not started stands now."""
        return None

    def after_create(self, lifecycle: Lifecycle, arn: str, props: dict[str, Any]) -> dict[str, Any] | None:
        """What to do once the resource is done; the new description if that changed it."""
        return None

    def before_update(
        self, lifecycle: Lifecycle, arn: str, olds: dict[str, Any], news: dict[str, Any], changed: list[str]
    ) -> None:
        """Before the API members in `changed` are sent to the update operation (and before tags)."""

    def after_update(self, lifecycle: Lifecycle, arn: str, olds: dict[str, Any], news: dict[str, Any]) -> None:
        pass

    def keep_instead_of_delete(self, lifecycle: Lifecycle, arn: str, props: dict[str, Any]) -> bool:
        """True when the resource must stay (and the hook recorded why)."""
        return False

    def after_delete(self, lifecycle: Lifecycle, arn: str, props: dict[str, Any]) -> None:
        pass

    def delete_without_api(self, lifecycle: Lifecycle, arn: str, props: dict[str, Any]) -> None:
        """Resources the API cannot delete stay behind; nothing to do by default."""

    def more_outputs(self, lifecycle: Lifecycle, props: dict[str, Any], description: dict[str, Any]) -> dict[str, Any]:
        return {}

    def described(self, lifecycle: Lifecycle, description: dict[str, Any]) -> dict[str, Any]:
        """Members a read compares with the declared ones that the description
        lacks: read by other calls (a metric attribution's metrics) or derived
        from it (a recommender's `active`)."""
        return {}

    # --- the engine's calls ------------------------------------------------------
    def lifecycle(self, props: dict[str, Any]) -> Lifecycle:
        return Lifecycle(self.spec, props, self)

    def api_members(self) -> tuple[str, ...]:
        return self.spec.create_members

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        # Output placeholders arrive as None inputs; they are not the user's.
        inputs = {k: v for k, v in news.items() if k != "__provider" and v is not None}
        for key, value in self.spec.defaults.items():
            if inputs.get(key) is None:
                inputs[key] = value
        request = build_request(SERVICE, self.spec.create_op, inputs)
        failures = [
            CheckFailure(path, f"{self.kind} {path}: {reason}")
            for path, reason in validate_request(SERVICE, self.spec.create_op, request, skip=is_unknown)
        ]
        allowed = set(self.api_members()) | set(COMMON_INPUTS) | set(self.own_inputs) | set(self.own_settings)
        failures += [
            CheckFailure(k, f"{self.kind} has no input {k!r}; allowed: {', '.join(sorted(allowed))}")
            for k in inputs
            if k not in allowed
        ]
        tags = inputs.get("tags")
        if "tags" in self.api_members() and isinstance(tags, list):
            # https://docs.aws.amazon.com/personalize/latest/dg/personalize-managing-tags.html (aws:);
            # ours mark what the project keeps for itself (service.lifecycle).
            failures += [
                CheckFailure(
                    "tags", f"{self.kind} tags: {t['tagKey']!r} is reserved (aws:, or the project's {RETAINED_TAG})"
                )
                for t in tags
                if isinstance(t, dict) and isinstance(t.get("tagKey"), str) and is_internal_tag(t["tagKey"])
            ]
        waits = inputs.get("waits") or {}
        if not is_unknown(waits):
            failures += [
                CheckFailure(
                    f"waits.{key}",
                    f"waits.{key}={value!r}: allowed keys {', '.join(WAIT_KEYS)}, each a positive number of seconds",
                )
                for key, value in waits_problems(waits)
            ]
            if not failures and (inconsistent := waits_inconsistency(waits)):
                key, value, why = inconsistent
                failures.append(CheckFailure(f"waits.{key}", f"waits.{key}={value!r}: allowed {why}"))
        if not failures:
            failures = [CheckFailure(path, message) for path, message in self.problems(inputs)]
        if not failures and olds:
            failures = [CheckFailure(path, message) for path, message in self.change_problems(olds, inputs)]
        if not failures:
            failures = [CheckFailure(path, message) for path, message in self.start_problems(olds, inputs)]
        if not failures:
            inputs = self.normalise(inputs)
        return CheckResult({k: v for k, v in inputs.items() if k not in self.own_inputs}, failures)

    @_explaining
    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        keys = [k for k in self.api_members() + self.own_settings + ("region", "triggers") if k not in NOT_DIFFED]
        changed = [k for k in keys if is_unknown(news.get(k)) or self._differs(k, olds, news)]
        waiting = id_.startswith(NOT_STARTED_PREFIX) or olds.get("status") in self.spec.running
        if (
            not changed
            and waiting
            and self.live_status(id_, {**olds, "endpoint": news.get("endpoint"), "region": news.get("region")})
            != olds["status"]
        ):
            # The job moved on: record it. One that had not started starts now, under its ARN.
            replaces = ["status"] if id_.startswith(NOT_STARTED_PREFIX) else []
            return DiffResult(changes=True, replaces=replaces, delete_before_replace=False)
        # TagResource/UntagResource, for every resource; our own settings by the hooks.
        in_place = [k for k in changed if k == "tags" or k in self.own_settings]
        replaces = [k for k in changed if k in ("region", "triggers")] + self.replaced_by(
            olds, news, [k for k in changed if k not in [*in_place, "region", "triggers"]]
        )
        return DiffResult(
            changes=bool(changed),
            replaces=replaces,
            delete_before_replace=bool(replaces) and self._same_place(olds, news),
        )

    @_explaining
    def create(self, props: dict[str, Any]) -> CreateResult:
        lifecycle = self.lifecycle(props)
        if not props.get("adoptArn") and (pending := self.not_started(lifecycle, props)):
            pending_id, status = pending
            return CreateResult(pending_id, self._outputs(lifecycle, None, props, {"status": status}))
        if props.get("adoptArn"):
            arn = props["adoptArn"]
            lifecycle.check_adoptable(arn, props)
        else:
            arn = self.start(lifecycle, props)
        description = self._settle(lifecycle, arn, props, "create")
        description = self.after_create(lifecycle, arn, props) or description
        return CreateResult(arn, self._outputs(lifecycle, arn, props, description))

    @_explaining
    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        if id_.startswith(NOT_STARTED_PREFIX):
            return ReadResult(id_, props)
        lifecycle = self.lifecycle(props)
        description = lifecycle.describe(id_)
        if description is None:
            return ReadResult(None, {})
        declared = {k: props.get(k) for k in self.api_members() + self.own_settings + COMMON_INPUTS if k in props}
        observed = dict(declared)
        described_more = self.described(lifecycle, description)
        # A key the stack left out reads as declared while the service holds its
        # documented default, and with the service's value once that moved off it:
        # drift, which `refresh` reports and the next `up` undoes.
        for key in self.api_members() + self.own_settings:
            # The name stays as declared: there is no rename, and a replacement may hold its replacement name.
            if key in described_more:
                value = described_more[key]
                observed[key] = declared.get(key) if self._same(key, declared.get(key), value) else value
            elif key in description and key not in (
                "tags",
                self.spec.name_member,
                *self.declared_only,
                *self.spec.record_only,
            ):
                described = self.observed_value(key, jsonable(description[key]))
                observed[key] = overlay(declared.get(key), described, self.spec.service_defaults.get(key))
        # Tags set out of band are drift; the project's own and AWS's are not reported.
        tags = lifecycle.tags(id_)
        if tags is not None and not self._same("tags", declared.get("tags") or [], tags):
            observed["tags"] = tags
        return ReadResult(id_, self._outputs(lifecycle, id_, observed, description), observed)

    @_explaining
    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        lifecycle = self.lifecycle(news)
        if olds.get("status") in self.spec.running:
            # Left running by an earlier `up`: wait for it now, or record where it is.
            return UpdateResult(self._outputs(lifecycle, id_, news, self._settle(lifecycle, id_, news, "create")))
        if id_.startswith(NOT_STARTED_PREFIX):
            # Not in the service yet: the tags go with its create request once it starts.
            return UpdateResult({**olds, **self._outputs(lifecycle, None, news, {"status": olds.get("status")})})
        # `diff` let only in-place changes through to here.
        changed = [
            k for k in self.api_members() if k not in ("tags", *self.spec.record_only) and self._differs(k, olds, news)
        ]
        self.before_update(lifecycle, id_, olds, news, changed)
        if changed:
            lifecycle.update(id_, self.update_request(changed, news, olds))
        lifecycle.sync_tags(id_, news.get("tags"))
        self.after_update(lifecycle, id_, olds, news)
        return UpdateResult(self._outputs(lifecycle, id_, news, lifecycle.describe(id_)))

    @_explaining
    def delete(self, id_: str, props: dict[str, Any]) -> None:
        if id_.startswith(NOT_STARTED_PREFIX):
            return  # the service never had it
        lifecycle = self.lifecycle(props)
        if why := self._replaced_since(lifecycle, id_, props):
            progress(f"not deleting {self.kind} {id_}: {why}, so it is its replacement")
            return
        if self.keep_instead_of_delete(lifecycle, id_, props):
            return
        if self.spec.delete_op is None:
            self.delete_without_api(lifecycle, id_, props)
        else:
            lifecycle.delete(id_)
        self.after_delete(lifecycle, id_, props)

    # --- pieces ------------------------------------------------------------------
    def _same(self, key: str, a: Any, b: Any) -> bool:
        return comparable(self.spec, key, a) == comparable(self.spec, key, b)

    def _differs(self, key: str, olds: dict[str, Any], news: dict[str, Any]) -> bool:
        return not self._same(key, olds.get(key), news.get(key))

    def _same_place(self, olds: dict[str, Any], news: dict[str, Any]) -> bool:
        """True when the replacement needs the place the old one holds, so the old
        one must be deleted first. A name is never that place: a replacement whose
        name is still held takes its replacement name (Lifecycle.create_or_adopt)."""
        if not self.spec.one_per or canonical(olds.get("region")) != canonical(news.get("region")):
            return False
        return all(canonical(olds.get(k)) == canonical(news.get(k)) for k in self.spec.one_per)

    def _replaced_since(self, lifecycle: Lifecycle, arn: str, props: dict[str, Any]) -> str | None:
        """Why the resource at `arn` is not the one this state recorded, if it is not:
        a replacement created under the same ARN (one per place) after the old one
        was deleted. Deleting it would lose the resource the new state holds."""
        recorded = props.get(CREATED)
        if not recorded:
            return None  # recorded by a release before CREATED was; nothing to compare
        now = (lifecycle.describe(arn) or {}).get(CREATED)
        if now is None or jsonable(now) == recorded:
            return None
        return f"it was created at {jsonable(now)}, after the one this state recorded ({recorded})"

    def live_status(self, id_: str, props: dict[str, Any]) -> str | None:
        lifecycle = self.lifecycle(props)
        if id_.startswith(NOT_STARTED_PREFIX):
            return self.not_started_status(lifecycle, props)
        return lifecycle.status(id_)

    def may_return_early(self, lifecycle: Lifecycle, props: dict[str, Any]) -> bool:
        """True when the stack asked not to wait and a campaign already serves a
        model, so nothing is left without one while this job runs."""
        wanted = props.get("waitUnlessServing")
        if not wanted:
            return False
        # A group's import serves every campaign of the group: all of them must keep a model.
        names = {wanted} if isinstance(wanted, str) else set(wanted)
        serving = {c["name"] for c in live_campaigns(lifecycle.api) if c.get("status") == ACTIVE}
        return names <= serving

    def _settle(self, lifecycle: Lifecycle, arn: str, props: dict[str, Any], phase: str) -> dict[str, Any]:
        """Wait for the job to finish, or only note where it is when the stack does not wait."""
        if not self.may_return_early(lifecycle, props):
            return lifecycle.wait_until_done(arn, phase)
        description = lifecycle.check_not_failed(arn, lifecycle.describe(arn) or {})
        progress(
            f"{self.kind} {arn} is {description.get('status')}; not waiting for it "
            f"(campaign {props['waitUnlessServing']} keeps its model; a later `up` continues)"
        )
        return description

    def _outputs(
        self, lifecycle: Lifecycle, arn: str | None, props: dict[str, Any], description: dict[str, Any] | None
    ) -> dict[str, Any]:
        description = description or {}
        outputs = {k: props.get(k) for k in self.api_members() + self.own_settings + COMMON_INPUTS if k in props}
        outputs["arn"] = arn
        outputs["status"] = description.get("status", ACTIVE if description else None)
        if description.get(CREATED):
            outputs[CREATED] = jsonable(description[CREATED])
        for key in self.spec.outputs:
            outputs[key] = jsonable(description.get(key))
        outputs.update(self.more_outputs(lifecycle, props, description))
        return outputs


class PersonalizeResource(Resource):
    """Base of the resource classes: inputs are keyword arguments named like the
    API's members (plus the common inputs above); `check` rejects unknown ones."""

    arn: pulumi.Output[str]
    status: pulumi.Output[str]
    provider_class: ClassVar[type[PersonalizeProvider]]

    @property
    def reference(self) -> pulumi.Output[str]:
        """The ARN to give the resources that name this one: its id. The engine
        previews an in-place update of a dynamic resource with its inputs as its
        outputs, so `arn` reads as unknown there and every resource naming it would
        show a replacement `up` never makes; the id of a resource updated in place
        stays known, and a replacement's is unknown, as its ARN may be. Not for a
        solution version, whose id is a placeholder until its training starts."""
        return self.id

    def __init__(self, resource_name: str, opts: pulumi.ResourceOptions | None = None, **props: Any):
        provider = self.provider_class
        names = ("arn", "status") + provider.spec.outputs + provider.computed_outputs
        super().__init__(provider(), resource_name, {**dict.fromkeys(names), **props}, opts)
