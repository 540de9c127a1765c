"""The stack's notifications (personalize:notifications): the gate's decisions and
a change of the campaigns' cost, told at `up` by one Notice each
(providers/notice.py) to the stack's SNS topic and/or a webhook, and the email
addresses subscribed to the topic. The completion signal's function publishes
the ends of imports, trainings and campaign updates (with the service's failure
reason) to the same topic (stacks/completion.py).

The stack has one topic: completionSignal's when it creates one (snsTopic true,
the topic deployed stacks already have, so it is not moved), else the one this
creates (notifications.snsTopic true), else the ARN either names (stacks/config.py
keeps the two from naming different ones). Declared only when configured: a stack
without `notifications` gets no new resource on upgrade."""

from typing import Any

import pulumi

from completion.notices import COST_CHANGE, GATE_DECISION, cost_event, decision_event
from providers.notice import Notice
from stacks.config import StackConfig


def own_topic(stack: StackConfig) -> pulumi.Output[str] | None:
    """The topic this stack's notifications create or name, when the completion signal
    has none of its own to share (declared before it, which publishes to it too)."""
    wanted, signal = stack.notifications.sns_topic, stack.completion_signal
    if wanted is False or (signal.enabled and signal.sns_topic is not False):
        return None
    if isinstance(wanted, str):
        return pulumi.Output.from_input(wanted)
    import pulumi_aws as aws

    return aws.sns.Topic("notifications-topic").arn


class NotificationsComponent(pulumi.ComponentResource):
    def __init__(
        self,
        name: str,
        stack: StackConfig,
        topic_arn: pulumi.Input[str] | None,
        promotions: dict[str, Any],
        cost: dict[str, Any],
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("personalize:notifications:Notifications", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        settings = stack.notifications
        if settings.emails and topic_arn is not None:
            import pulumi_aws as aws

            for address in settings.emails:
                # Pending until the address confirms it from the email SNS sends
                # (https://docs.aws.amazon.com/sns/latest/dg/sns-email-notifications.html).
                aws.sns.TopicSubscription(
                    f"{name}-email-{address}", topic=topic_arn, protocol="email", endpoint=address, opts=child
                )
        where: dict[str, Any] = {
            "stack": stack.stack,
            "topicArn": topic_arn if topic_arn is not None else "",
            # A chat webhook's URL is its credential: kept secret in the state.
            "webhookUrl": pulumi.Output.secret(settings.webhook_url) if settings.webhook_url else "",
            "region": stack.connection.region or "",
        }
        self.decisions = {
            experiment: Notice(
                f"{name}-gate-{experiment}",
                kind=GATE_DECISION,
                event=pulumi.Output.all(
                    **{
                        k: getattr(promotion, k) for k in ("decision", "reason", "championArn", "evidence", "decidedAt")
                    },
                    campaignName=promotion.campaignName,
                    metric=promotion.metric,
                    minImprovement=promotion.minImprovement,
                    challengerArn=promotion.challengerArn,
                ).apply(decision_event),
                **where,
                opts=child,
            )
            for experiment, promotion in promotions.items()
        }
        self.cost = Notice(f"{name}-cost", kind=COST_CHANGE, event=cost_event(cost), **where, opts=child)
        self.register_outputs({})
