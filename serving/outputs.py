"""A deployed stack's outputs, looked up by experiment name, so nobody copies
ARNs around; a missing stack, experiment or output is an error that says
which, what there is instead, and what to do."""

import json
import subprocess
from dataclasses import dataclass, field
from typing import Any


class OutputsError(Exception):
    pass


@dataclass(frozen=True)
class Experiment:
    stack: str
    name: str
    outputs: dict
    tracking_id: str | None = None
    filters: dict = field(default_factory=dict)

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
        return self.require("campaignArn")

    @property
    def served_version_arn(self) -> str:
        return self.require("servedVersionArn")

    @property
    def dataset_version(self) -> str:
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
            raise OutputsError(
                f"stack {self.stack}: experiment {self.name} has no event tracker "
                f"(output {self.name}TrackingId); set eventTracker: true for it and run `pulumi up`"
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
        return Experiment(
            self.stack,
            name,
            found,
            tracking_id=self.outputs.get(f"{name}TrackingId"),
            filters=found.get("filters") or {},
        )

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
        import boto3

        connection = self.outputs.get("connection") or {}
        return boto3.client(service, region_name=connection.get("region"), endpoint_url=connection.get("endpoint"))


def _parse(text: str, source: str) -> dict:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise OutputsError(f"{source} is not JSON: {error}") from None
