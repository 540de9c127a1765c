"""The config reference page, docs/config-reference.md, generated from the
config model (stacks/config.py) so it cannot drift from what the preview
accepts: every `personalize:` key with its type, default and what is allowed
(the model's own descriptions, which are also the error messages' last part),
and what it does (MEANINGS below: a key without one is an error here).

python -m stacks.reference          writes it
python -m stacks.reference --check  fails when the committed page is stale (scripts/lint)"""

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from service.specs import ALL as SPECS
from service.waiting import DEFAULT_WAITS
from stacks.config import NAMESPACES, json_schema

PATH = Path(__file__).resolve().parents[1] / "docs" / "config-reference.md"

# What each key does, by its path in the stack file ("[]" marks a list's
# elements). The type, default and allowed values come from the model.
MEANINGS: dict[str, str] = {
    "experiments": "The experiments of the stack: each one trains a model and serves it "
    "(a campaign behind the promotion gate, or a recommender for a domain recipe).",
    "experiments[].name": "Names the experiment's resources `<stack>-<name>...`; unique in the stack.",
    "experiments[].recipe": "The recipe (`common/recipes.py` lists what each supports, with its AWS pages). "
    "`aws-similar-items` needs items, so it goes in a dataset group only; the domain use cases `aws-ecomm-*` "
    "and `aws-vod-*` go in a group of their domain and are served by a recommender.",
    "experiments[].datasetGroup": "The dataset group it trains in, shared with other experiments "
    "(see [data domains](concepts.md#data-domains-dataset-groups-that-experiments-share)). "
    "Exactly one of `datasetGroup` or `datasetVersion`.",
    "experiments[].datasetVersion": "The first form: the exported dataset version it trains on, in a "
    "group of its own (Interactions only) named after the experiment; trains on "
    "`s3://<bucket>/datasets/<version>/interactions.csv`.",
    "experiments[].minProvisionedTPS": "The campaign's provisioned TPS, billed every hour it is ACTIVE "
    "(see [cost](cost.md)); at most `maxProvisionedTPS`.",
    "experiments[].eventType": "Train on this event type only; with a brought bucket it must be one "
    "the version's manifest lists.",
    "experiments[].trainingMode": "`FULL` retrains from scratch; `UPDATE` trains on the new data from "
    "the previous version (`aws-user-personalization` only). A first version declared UPDATE trains FULL.",
    "experiments[].wait": "Overrides the stack's `training.wait` for this experiment.",
    "experiments[].autoTraining": "The service retrains on this schedule (turns on CreateSolution's "
    "`performAutoTraining`).",
    "experiments[].performHPO": "Hyperparameter optimisation; not for recipes without hyperparameters "
    "(`aws-popularity-count`). `solutionConfig.hpoConfig` needs it.",
    "experiments[].solutionConfig": "Passed to CreateSolution as is. `eventsConfig` only with the v2 "
    "recipes; set the schedule with `autoTraining`, not `autoTrainingConfig`.",
    "experiments[].campaignConfig": "Passed to CreateCampaign/UpdateCampaign as is, checked at preview "
    "(exploration weight 0..1, item age cut-off > 0 days); `itemExplorationConfig` only with "
    "`aws-user-personalization`; a key removed is reset to the service's default.",
    "experiments[].followLatest": "The campaign serves each new ACTIVE version (`$LATEST`, "
    "syncWithLatestSolutionVersion): no promotion gate, no `batchInference`.",
    "experiments[].recommender": "How a recommender serves a domain recipe (CreateRecommender's "
    "recommenderConfig); only on a domain recipe.",
    "experiments[].eventTracker": "First form only: an event tracker for real-time events; exports "
    "`<name>TrackingId` as a secret. In a dataset group, the group has the tracker.",
    "experiments[].filters": "First form only: filter name to filter expression, parsed at preview "
    "against the group's fields. In a dataset group, the group has the filters.",
    "experiments[].batchInference": "A batch inference job per served version; results under "
    "`batch-output/<experiment>/<served version id>/`.",
    "experiments[].tags": "Tags on the experiment's resources (see [tags](concepts.md#tags)).",
    "experiments[].autoTraining.schedule": "How often the service trains a new version (only when "
    "interaction data came in since the last training).",
    "experiments[].recommender.minRecommendationRequestsPerSecond": "The recommender's minimum request "
    "rate, billed every hour like a campaign's TPS.",
    "experiments[].recommender.enableMetadataWithRecommendations": "Return item metadata with the recommendations.",
    "experiments[].recommender.itemExplorationConfig": "The recommender's item exploration, as "
    "recommenderConfig takes it.",
    "experiments[].batchInference.inputKey": "JSON lines of users in the bucket; under `batch-input/` "
    "when the stack creates the bucket. With a brought bucket the preview fails if it is missing.",
    "experiments[].batchInference.numResults": "Recommendations per user.",
    "experiments[].batchInference.filter": "A filter to apply: one of the experiment's (first form) or of its group's.",
    "datasetGroups": "Data domains: one set of interactions, items and users, one event tracker, and "
    "the experiments that name it (see [data domains](concepts.md#data-domains-dataset-groups-that-experiments-share)). "
    "Needs a brought bucket: the preview reads the schemas from the exported version.",
    "datasetGroups[].name": "Names the group's resources `<stack>-<name>-...`; unique among groups and "
    "first-form experiments.",
    "datasetGroups[].datasetVersion": "The exported version: its manifest lists the datasets and their "
    "schemas. A new version imports again and retrains every experiment of the group.",
    "datasetGroups[].datasets": "Which of the version's datasets to create and import; must include interactions.",
    "datasetGroups[].importMode": "How a new version is imported: `INCREMENTAL` only adds rows (the "
    "first import of a dataset is always FULL).",
    "datasetGroups[].domain": "A domain group, whose use cases are served by recommenders; the "
    "version's manifest must be for the same domain.",
    "datasetGroups[].eventTracker": "One tracker for the group: exports `<group>TrackingId` (secret).",
    "datasetGroups[].filters": "Filter name to expression, parsed against the fields of the group's "
    "schemas; every experiment of the group may use them.",
    "datasetGroups[].metricAttribution": "What recommendations earn, reported to CloudWatch (and "
    "optionally the bucket).",
    "datasetGroups[].export": "A dataset export job per version.",
    "datasetGroups[].tags": "Tags on the group's resources (see [tags](concepts.md#tags)).",
    "datasetGroups[].metricAttribution.metrics": "The metrics to attribute.",
    "datasetGroups[].metricAttribution.s3Output": "Also write the metrics under `metrics/<group>/` in the bucket.",
    "datasetGroups[].metricAttribution.metrics[].eventType": "The event type the metric counts.",
    "datasetGroups[].metricAttribution.metrics[].metricName": "The metric's name in CloudWatch.",
    "datasetGroups[].metricAttribution.metrics[].expression": "What is summed per event.",
    "datasetGroups[].export.ingestionMode": "Which records: `PUT` (PutEvents/PutItems/PutUsers), "
    "`BULK` (import jobs) or `ALL`.",
    "datasetGroups[].export.datasets": "Which datasets to export.",
    "connection": "Where the Personalize resources live, as older stacks say it: the credentials, region "
    "and endpoints are the `aws:` keys pulumi-aws reads (see [credentials](aws.md#credentials)).",
    "connection.region": "The region of the Personalize resources; must equal `aws:region` when both are "
    "set. The preview refuses a region where Personalize is not offered.",
    "connection.endpoint": "An endpoint URL for every service the stack calls, e.g. personalize-local's "
    "(`aws:endpoints` sets one per service); default: AWS. An endpoint that does not answer fails the "
    "preview naming this key.",
    "storage": "The data bucket and the role Personalize reads it with: bring both, or neither to "
    "create them with secure defaults (see [the bucket](concepts.md#the-data-bucket)).",
    "storage.bucketName": "An existing bucket; the preview then checks that every `datasetVersion` "
    "has an export. Both or neither with `roleArn`.",
    "storage.roleArn": "An existing role Personalize assumes to read and write the bucket.",
    "storage.kmsKeyArn": "Encrypt a created bucket with this KMS key; the role may use it. Only without `bucketName`.",
    "waits": "Deadlines and polling of long operations; a resource type that takes longer by nature "
    "has its own default.",
    "waits.createSeconds": "How long a create may take before `up` fails.",
    "waits.updateSeconds": "How long an update may take.",
    "waits.deleteSeconds": "How long a delete may take.",
    "waits.initialPollSeconds": "The first poll interval; it grows to a tenth of the time waited so far.",
    "waits.maxPollSeconds": "The longest poll interval; not below `initialPollSeconds`.",
    "training": "Whether `up` waits for imports and trainings.",
    "training.wait": "`false`: `up` starts imports and training and returns while the campaign keeps "
    "its model; later `up`s continue (see [not waiting](evaluation.md#not-waiting)). The first "
    "training of an experiment always waits.",
    "promotion": "The gate between a new model and the campaign (see [the gate](evaluation.md#the-gate)).",
    "promotion.metric": "What the gate compares: a service metric, or a `validation.*` metric "
    "computed on the dataset version's held-out users (needs `validationUsers`).",
    "promotion.minImprovement": "How much better (absolute) the challenger must score; negative "
    "tolerates a loss, `-1` accepts every model.",
    "promotion.onReject": "On a rejection: `warn` keeps the champion and the `up` succeeds; `fail` "
    "keeps the champion and fails the `up`.",
    "promotion.validationUsers": "Score each model on this many users of the dataset version's "
    "held-out set, with a batch inference job per model (needed by `validation.*` metrics).",
    "promotion.confidence": "The confidence of the interval of the mean per-user gain on a "
    "`validation.*` ranking metric: promoted when the whole interval is above `minImprovement`, "
    "rejected when it is at or below, otherwise `inconclusive` (the champion keeps serving).",
    "promotion.minUsers": "The fewest validation users a paired comparison decides on; fewer scored "
    "users make the decision `inconclusive`.",
    "promotion.resamples": "How many times the paired bootstrap resamples the users: more gives a "
    "steadier interval and takes longer (about 0.2 s for 1000 users and 2000 resamples).",
    "maxProvisionedTPS": "The most `minProvisionedTPS` any campaign of the stack may ask for: a guard "
    "against a costly typo.",
    "environment": "The `personalize-pulumi:environment` tag; default the stack's name.",
    "tags": "Tags on every resource of the stack (see [tags](concepts.md#tags)).",
    "completionSignal": "A function on a schedule (Lambda run by EventBridge Scheduler) that tells when "
    "the stack's imports, trainings and campaign updates end, so a stack that does not wait for training "
    "needs no polling: it dispatches to GitHub (the deploy workflow runs `up`) and/or publishes to SNS. "
    "Needs the pulumi-aws plugin: keep it off on the local stack.",
    "completionSignal.enabled": "Declare the function, its schedule, its roles and (if asked) the topic.",
    "completionSignal.schedule": "How often the function looks: a change is signalled at most one "
    "period after it happened.",
    "completionSignal.github": "Send a `repository_dispatch` to this repository for each operation that ended.",
    "completionSignal.github.repository": "The repository whose workflows receive the dispatch.",
    "completionSignal.github.secretArn": "The Secrets Manager secret holding a token that may create "
    'dispatches (the token itself, or JSON `{"token": ...}`); the function may read only this secret.',
    "completionSignal.github.eventType": "The dispatch's `event_type`: the deploy workflow's "
    "`repository_dispatch` trigger lists the same type.",
    "completionSignal.snsTopic": "Publish each change to SNS: `true` creates a topic, an ARN uses that one.",
    "notifications": "Tell people of the gate's decisions (with the interval and p-value) and of a change "
    "of the campaigns' cost at `up`, and of the imports, trainings and campaign updates the completion "
    "signal sees end (with the service's failure reason): on the stack's SNS topic (email, or chat "
    "through AWS Chatbot) and/or a webhook (see [notifications](ci-cd.md#telling-people-notifications)).",
    "notifications.snsTopic": "The stack's one topic: `true` uses the completion signal's when it has "
    "one, else creates one; an ARN uses that one.",
    "notifications.emails": "Email addresses subscribed to the topic; each stays pending until its "
    "owner confirms from the email SNS sends.",
    "notifications.webhookUrl": "A JSON POST of each notification, from the machine that runs `up` "
    "(the local stack's way; kept secret in the state).",
    "quotas": "The account's quotas the preview counts the stack against: the documented defaults, "
    "or what AWS raised them to (see [quotas](troubleshooting.md#a-quota-is-reached)).",
    "quotas.activeDatasetGroups": "Active dataset groups per account and region (shared with the "
    "account's other stacks).",
    "quotas.activeSolutions": "Active solutions per dataset group.",
    "quotas.activeCampaigns": "Active campaigns per dataset group.",
    "quotas.recommenders": "Recommenders per dataset group.",
    "quotas.activeFilters": "Filters per dataset group.",
}

HEADER = """# Config reference

<!-- Generated from stacks/config.py by `python -m stacks.reference`; do not edit.
     scripts/lint fails while this page is stale. -->

Every key of the project's namespace, `personalize:`, in `Pulumi.<stack>.yaml`.
A key not listed here is an error, and so is a key under a namespace other than
{namespaces}; the `aws:` keys the Personalize resources share with pulumi-aws
(`aws:region`, `aws:profile`, `aws:assumeRoles`, `aws:endpoints`) are in
[credentials](aws.md#credentials). How to write a stack file, and what the preview checks beyond
single keys, is in [configuring a stack](stack-config.md); the same model is
published as a JSON Schema for editors, `schema/stack-config.schema.json`.

Sections are named by their path under `personalize:`. Columns: the key, its type, its default (*required* when it has none; *unset*
when leaving it out means something of its own, said under allowed), what is
allowed (the words of the preview's error message), and what it does.
"""


def _resolve(schema: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    return {**defs[ref.rsplit("/", 1)[1]], **{k: v for k, v in schema.items() if k != "$ref"}} if ref else schema


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    """The non-null branch of `X | None`, with the outer description and default kept."""
    options = [o for o in schema.get("anyOf", []) if o.get("type") != "null"]
    if len(options) != 1:
        return schema
    return {**options[0], **{k: v for k, v in schema.items() if k != "anyOf"}}


def _child(schema: dict[str, Any], defs: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """The nested mapping a key holds, as (path suffix, its schema): a mapping, or a list of them."""
    schema = _without_null(schema)
    if "$ref" in schema:
        return "", _resolve(schema, defs)
    items = schema.get("items", {})
    if schema.get("type") == "array" and "$ref" in items:
        return "[]", _resolve(items, defs)
    return None


def _type(schema: dict[str, Any], defs: dict[str, Any]) -> str:
    schema = _without_null(schema)
    if "enum" in schema:
        return "choice"
    kind = schema.get("type")
    if "$ref" in schema:
        return "mapping"
    if kind == "array":
        items = schema.get("items", {})
        return "list of mappings" if "$ref" in items else f"list of {_type(items, defs)}s"
    if kind == "object":
        values = schema.get("additionalProperties")
        return f"mapping of names to {_type(values, defs)}s" if isinstance(values, dict) else "mapping"
    return {"integer": "integer", "number": "number", "boolean": "boolean", "string": "string"}.get(kind or "", "any")


def _waits_default(key: str) -> str:
    own = [f"{value:g} for a {spec.kind}" for spec in SPECS if (value := spec.default_waits.get(key)) is not None]
    text = f"`{DEFAULT_WAITS[key]:g}`"
    return f"{text} ({', '.join(own)})" if own else text


def _default(path: str, name: str, schema: dict[str, Any], required: bool, nested: bool) -> str:
    if path == "waits" and name in DEFAULT_WAITS:
        return _waits_default(name)
    if required:
        return "*required*"
    if "default" not in schema:  # a default_factory: an empty mapping, or a nested section's defaults
        return "see its keys" if nested else "`{}`"
    value = schema["default"]
    if value is None:
        return "*unset*"
    return f"`{json.dumps(value)}`"


def _allowed(schema: dict[str, Any]) -> str:
    text = schema.get("description") or _without_null(schema).get("description") or ""
    if not text:
        for option in schema.get("anyOf", []):
            text = text or option.get("description", "")
    return text


def _anchor(path: str) -> str:
    return path.replace("[]", "").replace(".", "-").lower()


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _plain(text: str) -> str:
    """Text from the model (not Markdown): what Markdown would read as HTML or emphasis, escaped."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("*", "\\*")


def sections() -> list[tuple[str, dict[str, Any]]]:
    """(path, schema) of the top level and every nested mapping, each right after the key that holds it."""
    schema = json_schema()
    defs = schema.get("$defs", {})
    found: list[tuple[str, dict[str, Any]]] = []

    def walk(path: str, node: dict[str, Any]) -> None:
        found.append((path, node))
        for name, prop in node.get("properties", {}).items():
            if (child := _child(prop, defs)) is not None:
                suffix, nested = child
                walk(f"{_key_path(path, name)}{suffix}", nested)

    walk("", schema)
    return found


def _key_path(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def missing_meanings() -> list[str]:
    return [
        _key_path(path, name)
        for path, node in sections()
        for name in node.get("properties", {})
        if _key_path(path, name) not in MEANINGS
    ]


def text() -> str:
    if missing := missing_meanings():
        raise SystemExit(
            "python -m stacks.reference: no meaning for the config keys "
            + ", ".join(missing)
            + ": add each to MEANINGS in stacks/reference.py"
        )
    schema = json_schema()
    defs = schema.get("$defs", {})
    others = " or ".join(f"`{n}:`" for n in NAMESPACES if n != "personalize")
    lines = [HEADER.format(namespaces=f"{others} (read by pulumi-aws and the engine)")]
    for path, node in sections():
        title = f"`{path}` {{#{_anchor(path)}}}" if path else "Top-level keys"
        lines += [f"## {title}", ""]
        if path:
            lines += [MEANINGS[path.removesuffix("[]")], ""]
        lines += ["| key | type | default | allowed | what it does |", "|---|---|---|---|---|"]
        required = set(node.get("required", []))
        for name, prop in node.get("properties", {}).items():
            key = _key_path(path, name)
            child = _child(prop, defs)
            # A key holding a mapping links to its section; any other key is an anchor of its own.
            shown = f"[`{name}`](#{_anchor(key)})" if child else f'<a id="{_anchor(key)}"></a>`{name}`'
            default = _default(path, name, prop, name in required, nested=child is not None)
            lines.append(
                f"| {shown} | {_type(prop, defs)} | {_cell(default)} | {_cell(_plain(_allowed(prop)))} | "
                f"{_cell(MEANINGS[key])} |"
            )
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m stacks.reference", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail when the committed page is stale")
    args = parser.parse_args(argv)
    if args.check:
        if not PATH.exists() or PATH.read_text() != text():
            print(
                f"{PATH.relative_to(PATH.parents[1])} is stale: run python -m stacks.reference and commit it",
                file=sys.stderr,
            )
            return 1
        return 0
    PATH.parent.mkdir(parents=True, exist_ok=True)
    PATH.write_text(text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
