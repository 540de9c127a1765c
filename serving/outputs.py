"""A deployed stack's outputs, looked up by experiment name, so nobody copies
ARNs around; a missing stack, experiment or output is an error that says
which, what there is instead, and what to do.

An experiment belongs to a dataset group (`datasetGroup`; outputs of earlier
releases have none, and there the group is the experiment's own, named like
it) and is served by a campaign or, in a domain dataset group, by a
recommender (`servedBy`; earlier releases: always a campaign). Its event
tracker and filters are its group's."""

import json
import subprocess
from dataclasses import dataclass, field
from typing import Any

from service.connection import from_output


class OutputsError(Exception):
    pass


CAMPAIGN, RECOMMENDER = "campaign", "recommender"


@dataclass(frozen=True)
class Experiment:
    stack: str
    name: str
    outputs: dict
    tracking_id: str | None = None
    filters: dict = field(default_factory=dict)
    group: dict = field(default_factory=dict)  # the group's entry in the `datasetGroups` output, if any

    @property
    def dataset_group(self) -> str:
        return self.outputs.get("datasetGroup") or self.name

    @property
    def served_by(self) -> str:
        return self.outputs.get("servedBy") or CAMPAIGN

    def require(self, key: str) -> Any:
        value = self.outputs.get(key)
        if value in (None, ""):
            raise OutputsError(
                f"stack {self.stack}: experiment {self.name} has no output {key!r} "
                f"(it has: {', '.join(sorted(k for k, v in self.outputs.items() if v is not None))}); "
                f"run `pulumi up --stack {self.stack}` to deploy it"
            )
        return value

    @property
    def campaign_arn(self) -> str:
        if self.served_by == RECOMMENDER:
            raise OutputsError(
                f"stack {self.stack}: experiment {self.name} is served by a recommender "
                f"({self.outputs.get('recommenderArn') or 'not deployed yet'}), not by a campaign"
            )
        return self.require("campaignArn")

    @property
    def recommender_arn(self) -> str:
        return self.require("recommenderArn")

    @property
    def endpoint(self) -> tuple[str, str]:
        """("campaignArn" or "recommenderArn", the ARN): what GetRecommendations is asked with."""
        if self.served_by == RECOMMENDER:
            return "recommenderArn", self.recommender_arn
        if self.served_by != CAMPAIGN:
            raise OutputsError(
                f"stack {self.stack}: experiment {self.name} is served by {self.served_by!r}, "
                f"which this release does not know (it knows {CAMPAIGN}, {RECOMMENDER})"
            )
        return "campaignArn", self.campaign_arn

    @property
    def served_version_arn(self) -> str:
        return self.require("servedVersionArn")

    @property
    def dataset_version(self) -> str:
        if not self.outputs.get("datasetVersion") and self.group.get("datasetVersion"):
            return self.group["datasetVersion"]
        return self.require("datasetVersion")

    def filter_arn(self, name: str) -> str:
        if name not in self.filters:
            raise OutputsError(
                f"stack {self.stack}: experiment {self.name} has no filter {name!r}; "
                f"its filters: {', '.join(sorted(self.filters)) or 'none (declare them under filters:)'}"
            )
        return self.filters[name]

    def require_tracking_id(self) -> str:
        if not self.tracking_id:
            group = self.dataset_group
            where = f"its dataset group {group}" if group != self.name else "it"
            raise OutputsError(
                f"stack {self.stack}: experiment {self.name} has no event tracker "
                f"(output {group}TrackingId); set eventTracker: true for {where} and run `pulumi up`"
            )
        return self.tracking_id


class StackOutputs:
    def __init__(self, stack: str, outputs: dict):
        if not isinstance(outputs, dict) or not isinstance(outputs.get("experiments"), dict):
            raise OutputsError(f"stack {stack} has no `experiments` output: run `pulumi up --stack {stack}` first")
        self.stack, self.outputs = stack, outputs

    @classmethod
    def from_pulumi(cls, stack: str) -> "StackOutputs":
        # --show-secrets: the tracking ids are secret outputs.
        command = ["pulumi", "stack", "output", "--json", "--show-secrets", "--stack", stack]
        try:
            done = subprocess.run(command, capture_output=True, text=True)
        except FileNotFoundError:
            raise OutputsError(
                "the pulumi CLI is not on PATH (source scripts/env.sh and add the output of "
                "scripts/install-pulumi to PATH), or pass --outputs-json"
            ) from None
        if done.returncode != 0:
            raise OutputsError(f"`{' '.join(command)}` failed (exit {done.returncode}): {done.stderr.strip()}")
        return cls(stack, _parse(done.stdout, f"the outputs of stack {stack}"))

    @classmethod
    def from_file(cls, stack: str, path: str) -> "StackOutputs":
        try:
            with open(path, encoding="utf-8") as file:
                return cls(stack, _parse(file.read(), path))
        except OSError as error:
            raise OutputsError(f"cannot read {path}: {error.strerror}") from None

    def experiment(self, name: str) -> Experiment:
        experiments = self.outputs["experiments"]
        if name not in experiments:
            raise OutputsError(
                f"stack {self.stack} has no experiment {name!r}; its experiments: {', '.join(sorted(experiments))}"
            )
        found = experiments[name] or {}
        group_name = found.get("datasetGroup") or name
        group = self.dataset_groups.get(group_name) or {}
        return Experiment(
            self.stack,
            name,
            found,
            # The tracker is the group's: <group>TrackingId, which for an experiment of an
            # earlier release (no datasetGroup) is <experiment>TrackingId. Never another
            # group's: an experiment in group "shop" does not write into a group named like it.
            tracking_id=self.outputs.get(f"{group_name}TrackingId"),
            # Any filter of the group filters what is served from it.
            filters={**(group.get("filters") or {}), **(found.get("filters") or {})},
            group=group,
        )

    @property
    def dataset_groups(self) -> dict[str, dict]:
        """The `datasetGroups` output, or {} for a stack of an earlier release."""
        groups = self.outputs.get("datasetGroups")
        return groups if isinstance(groups, dict) else {}

    def group_names(self) -> list[str]:
        """Every dataset group: those of the `datasetGroups` output and those experiments name
        (an experiment of an earlier release is in a group of its own name)."""
        named = {(e or {}).get("datasetGroup") or n for n, e in self.outputs["experiments"].items()}
        return sorted(set(self.dataset_groups) | named)

    def group_tracking_id(self, group: str) -> str:
        """The tracking id of a dataset group's event tracker (output <group>TrackingId)."""
        if group not in self.group_names():
            raise OutputsError(
                f"stack {self.stack} has no dataset group {group!r}; its dataset groups: "
                f"{', '.join(self.group_names()) or 'none'}"
            )
        tracking_id = self.outputs.get(f"{group}TrackingId")
        if not tracking_id:
            raise OutputsError(
                f"stack {self.stack}: dataset group {group} has no event tracker (output {group}TrackingId); "
                f"set eventTracker: true for it and run `pulumi up`"
            )
        return tracking_id

    def require(self, key: str) -> Any:
        value = self.outputs.get(key)
        if value in (None, ""):
            raise OutputsError(f"stack {self.stack} has no output {key!r}; run `pulumi up --stack {self.stack}`")
        return value

    @property
    def bucket(self) -> str:
        return self.require("bucket")

    @property
    def role_arn(self) -> str:
        return self.require("personalizeRoleArn")

    def client(self, service: str):
        """A client through the stack's own connection (its region, endpoint, profile and roles)."""
        from service.client import client

        return client(service, connection=from_output(self.outputs.get("connection") or {}))


def _parse(text: str, source: str) -> dict:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise OutputsError(f"{source} is not JSON: {error}") from None
