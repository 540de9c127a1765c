"""Read the stack's config, build the storage, one component per declared
dataset group and one per experiment, export."""

import pulumi

from common.layout import BATCH_OUTPUT_PREFIX, dataset_prefix
from service.connection import as_output, current
from stacks import accounts, config, datasets, parallel
from stacks.completion import CompletionSignalComponent
from stacks.cost import campaign_cost
from stacks.domain import DataDomain, GroupData
from stacks.experiment import ExperimentComponent
from stacks.notifications import NotificationsComponent, own_topic
from stacks.storage import DataStorage

try:
    stack = config.load()
    accounts.check_one_account(stack)
    schemas = datasets.check_brought_bucket(stack)
except config.ConfigError as error:
    # The message names the stack, the key, the value and what is allowed: it is
    # shown alone, without a traceback of the program (RunError's contract).
    raise pulumi.RunError(str(error)) from None
parallel.advise(len(stack.experiments))
storage = DataStorage(
    "data",
    bucket_name=stack.storage.bucket_name,
    role_arn=stack.storage.role_arn,
    kms_key_arn=stack.storage.kms_key_arn,
)


def background_campaigns(group: config.DatasetGroup) -> list[str] | None:
    """The campaigns that let the group's imports run on without `up` waiting:
    all of its experiments' when none of them waits and no recommender (which
    needs the data in place when it is created) is among them."""
    members = stack.members(group.name)
    if not members or any(e.served_by_recommender or stack.waits_for_training(e) for e in members):
        return None
    return [stack.base_name(e.name) for e in members]


domains = {
    g.name: DataDomain(g, schemas[g.name], stack, storage.bucket_name, storage.role_arn, background_campaigns(g))
    for g in stack.dataset_groups
}
experiments = {
    e.name: ExperimentComponent(
        e,
        stack,
        storage.bucket_name,
        storage.role_arn,
        data=domains[e.dataset_group].data if e.dataset_group else None,
    )
    for e in stack.experiments
}
# Every group's data, the declared ones and those of first-form experiments.
group_data: dict[str, GroupData] = {name: d.data for name, d in domains.items()} | {
    e.name: experiments[e.name].data for e in stack.experiments if e.dataset_version is not None
}


def experiment_output(e: config.Experiment) -> dict:
    component = experiments[e.name]
    data = group_data[e.group_name]
    version = stack.group(e.group_name).dataset_version
    out: dict = {
        "datasetGroup": e.group_name,
        "datasetVersion": version,
        "recipe": e.recipe,
        "eventType": e.event_type,
        "dataPrefix": dataset_prefix(version),
        "filters": {name: f.arn for name, f in data.filters.items()},
    }
    if component.recommender is not None:
        return out | {
            "servedBy": "recommender",
            "recommenderArn": component.recommender.arn,
            "recommenderStatus": component.recommender.status,
            "metrics": component.recommender.modelMetrics,
        }
    assert component.campaign is not None and component.solution_version is not None
    out |= {
        "servedBy": "campaign",
        "campaignArn": component.campaign.arn,
        "importJobArn": data.imports["interactions"].arn,
        "solutionVersionArn": component.solution_version.arn,
        "trainingStatus": component.solution_version.status,
        "servedVersionArn": component.promotion.servedVersionArn
        if component.promotion
        else component.solution_version.arn,
        "metrics": component.solution_version.metrics,
    }
    if e.follow_latest:
        out["followsLatest"] = True
    if e.batch_inference:
        out["batchOutput"] = component.batch_output
    return out


pulumi.export("bucket", storage.bucket_name)
pulumi.export("personalizeRoleArn", storage.role_arn)
pulumi.export("batchOutputPrefix", BATCH_OUTPUT_PREFIX)
pulumi.export("experiments", {e.name: experiment_output(e) for e in stack.experiments})
pulumi.export(
    "datasetGroups",
    {
        name: {
            "datasetGroupArn": data.arn,
            "datasetVersion": stack.group(name).dataset_version,
            "domain": stack.group(name).domain,
            "datasets": {
                kind: {
                    "datasetArn": dataset.arn,
                    "importJobArn": data.imports[kind].arn,
                    "importStatus": data.imports[kind].status,
                }
                for kind, dataset in data.datasets.items()
            },
            "filters": {f: filter_.arn for f, filter_ in data.filters.items()},
            "eventTracker": data.tracker is not None,
            "metricAttributionArn": data.metric_attribution.arn if data.metric_attribution else None,
            "exports": {kind: job.arn for kind, job in data.exports.items()},
            "experiments": [e.name for e in stack.members(name)],
        }
        for name, data in group_data.items()
    },
)
# The stack's one SNS topic (stacks/notifications.py), when notifications ask for one
# the completion signal does not already have.
topic = own_topic(stack)
# The completion signal: declared only when the stack enables it (off by default, and
# on the local stack, where the pulumi-aws plugin is not available offline).
if stack.completion_signal.enabled:
    signal = CompletionSignalComponent(
        "completion", stack.completion_signal, stack.stack, storage.bucket_name, storage.kms_key_arn, topic
    )
    topic = topic or signal.topic_arn
    pulumi.export(
        "completionSignal",
        {"functionArn": signal.function.arn, "topicArn": signal.topic_arn}
        # The secret it declared for the GitHub token, to put the token in.
        | ({"githubTokenSecretArn": signal.secret_arn} if signal.secret_arn is not None else {}),
    )
# Known at preview: a TPS change shows its cost in the review.
cost = campaign_cost(stack)
pulumi.export("campaignCost", cost)
# Declared only when configured: an upgraded stack without notifications gets nothing new.
if stack.notifications.enabled:
    promotions = {name: c.promotion for name, c in experiments.items() if c.promotion is not None}
    told = topic if stack.notifications.sns_topic is not False else None
    NotificationsComponent("notifications", stack, told, promotions, cost)
    pulumi.export("notifications", {"topicArn": told, "webhook": stack.notifications.webhook_url is not None})
pulumi.export("connection", as_output(current()))
# What each gate decided, with both sets of metrics: `python -m evaluation report` prints it.
pulumi.export(
    "promotions",
    {
        name: {
            key: getattr(component.promotion, key)
            for key in (
                "decision",
                "reason",
                "metric",
                "championArn",
                "challengerArn",
                "servedVersionArn",
                "championMetrics",
                "challengerMetrics",
                "decidedAt",
                "history",
            )
        }
        for name, component in experiments.items()
        if component.promotion is not None
    },
)
for name, data in group_data.items():
    if data.tracker is not None:
        # Secret: anyone with it can write events into the dataset group. A
        # first-form experiment's group has its name: the key it always had.
        pulumi.export(f"{name}TrackingId", data.tracker.trackingId)
