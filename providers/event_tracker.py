"""Event tracker: the tracking id applications send events with. One per
dataset group; no update. The tracking id is exported as a secret."""

import pulumi

from providers.lifecycle import PersonalizeProvider, PersonalizeResource


class EventTrackerProvider(PersonalizeProvider):
    kind = "event tracker"
    create_op, describe_op, delete_op = "CreateEventTracker", "DescribeEventTracker", "DeleteEventTracker"
    arn_member, description_key = "eventTrackerArn", "eventTracker"
    list_op, list_key, list_scope = "ListEventTrackers", "eventTrackers", ("datasetGroupArn",)
    extra_outputs = ("trackingId",)


class EventTracker(PersonalizeResource, module="personalize", name="EventTracker"):
    provider_class = EventTrackerProvider
    output_names = ("trackingId",)
    trackingId: pulumi.Output[str]

    def __init__(self, resource_name, opts: pulumi.ResourceOptions | None = None, **props):
        secret = pulumi.ResourceOptions(additional_secret_outputs=["trackingId"])
        super().__init__(resource_name, pulumi.ResourceOptions.merge(secret, opts), **props)
