"""What the completion signal does at each run: list the stack's long
operations, compare them with what the last run saw (an S3 object under the
stack's bucket, common/layout.py), and signal each one that finished, failed or
was stopped since.

How it finds the stack's operations: every dataset group the program creates
carries the tag `personalize-pulumi:stack` (stacks/tags.py), and every import,
training and campaign lives under a group. So one ListTagsForResource per
dataset group of the account and region finds the stack's groups, and the
List calls by parent (ListDatasets and ListSolutions by group,
ListDatasetImportJobs by dataset, ListSolutionVersions and ListCampaigns by
solution) find the rest: one tag call per group rather than one per resource,
and no reliance on names a user may choose
(https://docs.aws.amazon.com/personalize/latest/dg/API_ListTagsForResource.html).

A run signals an operation when the last run saw it in progress and it has
since ended, or when it is new since the last run and already ended (it began
and ended between two runs). The first run (no state yet) only records what it
sees: nothing changed that it knows of. Signals that could not be sent are not
recorded as seen, so the next run sends them again."""

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from common.layout import completion_state_key

# stacks/tags.py's STACK_TAG (this package may not import stacks; a unit test keeps them equal).
STACK_TAG = "personalize-pulumi:stack"

# The statuses an operation ends in, and what the signal calls them: imports,
# solution versions and campaign updates end ACTIVE or CREATE FAILED; a solution
# version may also be stopped (API_SolutionVersion.html, API_DatasetImportJob.html,
# API_CampaignUpdateSummary.html).
OUTCOMES = {"ACTIVE": "finished", "CREATE FAILED": "failed", "CREATE STOPPED": "stopped"}


@dataclass(frozen=True)
class Operation:
    kind: str  # "import", "training" or "campaign-update"
    key: str  # what identifies this one run of it (a campaign update: the campaign's ARN @ the update's start)
    arn: str
    status: str
    failure_reason: str | None = None

    @property
    def outcome(self) -> str | None:
        return OUTCOMES.get(self.status)

    def payload(self, stack: str) -> dict[str, str]:
        """What a signal says of it (a GitHub client_payload takes at most 10 top-level keys)."""
        out = {"stack": stack, "kind": self.kind, "arn": self.arn, "status": self.status}
        out["outcome"] = self.outcome or "in-progress"
        if self.failure_reason:
            out["failureReason"] = self.failure_reason
        return out


def _pages(client, operation: str, key: str, **params) -> Iterator[dict]:
    for page in client.get_paginator(operation).paginate(**params):
        yield from page.get(key, [])


def stack_groups(personalize, stack: str) -> list[str]:
    """The ARNs of the dataset groups tagged as the stack's."""
    found = []
    for group in _pages(personalize, "list_dataset_groups", "datasetGroups"):
        tags = personalize.list_tags_for_resource(resourceArn=group["datasetGroupArn"]).get("tags", [])
        if any(t.get("tagKey") == STACK_TAG and t.get("tagValue") == stack for t in tags):
            found.append(group["datasetGroupArn"])
    return found


def operations(personalize, stack: str) -> list[Operation]:
    """Every import, training and campaign (update) of the stack, in whatever status."""
    found: list[Operation] = []
    for group in stack_groups(personalize, stack):
        for dataset in _pages(personalize, "list_datasets", "datasets", datasetGroupArn=group):
            for job in _pages(
                personalize, "list_dataset_import_jobs", "datasetImportJobs", datasetArn=dataset["datasetArn"]
            ):
                arn = job["datasetImportJobArn"]
                found.append(Operation("import", arn, arn, job["status"], job.get("failureReason")))
        for solution in _pages(personalize, "list_solutions", "solutions", datasetGroupArn=group):
            for version in _pages(
                personalize, "list_solution_versions", "solutionVersions", solutionArn=solution["solutionArn"]
            ):
                arn = version["solutionVersionArn"]
                found.append(Operation("training", arn, arn, version["status"], version.get("failureReason")))
            for summary in _pages(personalize, "list_campaigns", "campaigns", solutionArn=solution["solutionArn"]):
                found.append(_campaign(personalize, summary["campaignArn"]))
    return found


def _campaign(personalize, arn: str) -> Operation:
    """A campaign's latest update if it has one, else its creation (API_DescribeCampaign.html)."""
    campaign = personalize.describe_campaign(campaignArn=arn)["campaign"]
    update = campaign.get("latestCampaignUpdate")
    if update:
        started = update.get("creationDateTime")
        key = f"{arn}@{started.isoformat() if hasattr(started, 'isoformat') else started}"
        return Operation("campaign-update", key, arn, update["status"], update.get("failureReason"))
    return Operation("campaign", arn, arn, campaign["status"], campaign.get("failureReason"))


def changes(previous: dict[str, str] | None, current: list[Operation]) -> list[Operation]:
    """The operations to signal: ended since the last run (see the module's docstring)."""
    if previous is None:
        return []
    return [op for op in current if op.outcome and (op.key not in previous or not OUTCOMES.get(previous[op.key]))]


def load_state(s3, bucket: str, stack: str) -> dict[str, str] | None:
    try:
        body = s3.get_object(Bucket=bucket, Key=completion_state_key(stack))["Body"].read()
    except s3.exceptions.NoSuchKey:
        return None
    return json.loads(body)["seen"]


def save_state(s3, bucket: str, stack: str, seen: dict[str, str]) -> None:
    body = json.dumps({"seen": seen}, sort_keys=True, indent=1).encode()
    s3.put_object(Bucket=bucket, Key=completion_state_key(stack), Body=body, ContentType="application/json")


Signal = Callable[[dict[str, str]], Any]


def run(personalize, s3, bucket: str, stack: str, signals: list[Signal]) -> list[dict[str, str]]:
    """One scheduled run: send every signal for each operation ended since the
    last run, record what was seen, and return the payloads signalled. Raises
    (after recording) if a signal could not be sent; that one is sent again next run."""
    previous = load_state(s3, bucket, stack)
    current = operations(personalize, stack)
    seen = {op.key: op.status for op in current}
    sent, errors = [], []
    for op in changes(previous, current):
        payload = op.payload(stack)
        try:
            for signal in signals:
                signal(payload)
        except Exception as error:
            errors.append(f"{op.arn}: {error}")
            if previous is not None and op.key in previous:
                seen[op.key] = previous[op.key]
            else:
                seen.pop(op.key, None)
            continue
        sent.append(payload)
    save_state(s3, bucket, stack, seen)
    if errors:
        raise RuntimeError("completion signal: could not signal " + "; ".join(errors))
    return sent
