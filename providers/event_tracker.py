"""Event tracker: the tracking id applications send events with. One per
dataset group; no update. The tracking id is exported as a secret."""

import pulumi

from providers.lifecycle import PersonalizeProvider, PersonalizeResource
from service import specs


class EventTrackerProvider(PersonalizeProvider):
    spec = specs.EVENT_TRACKER


class EventTracker(PersonalizeResource, module="personalize", name="EventTracker"):
    provider_class = EventTrackerProvider
    trackingId: pulumi.Output[str]

    def __init__(self, resource_name, opts: pulumi.ResourceOptions | None = None, **props):
        secret = pulumi.ResourceOptions(additional_secret_outputs=["trackingId"])
        super().__init__(resource_name, pulumi.ResourceOptions.merge(secret, opts), **props)
