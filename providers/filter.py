"""Filter: an expression that includes or excludes items from recommendations.
No update API: a new expression is a new filter."""

from providers.lifecycle import PersonalizeProvider, PersonalizeResource
from service import specs


class FilterProvider(PersonalizeProvider):
    spec = specs.FILTER


class Filter(PersonalizeResource, module="personalize", name="Filter"):
    provider_class = FilterProvider
