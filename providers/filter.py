"""Filter: an expression that includes or excludes items from recommendations.
No update API: a new expression is a new filter."""

from providers.lifecycle import PersonalizeProvider, PersonalizeResource


class FilterProvider(PersonalizeProvider):
    kind = "filter"
    create_op, describe_op, delete_op = "CreateFilter", "DescribeFilter", "DeleteFilter"
    arn_member, description_key = "filterArn", "filter"
    # ListFilters answers under a capitalised key, unlike every other List call.
    list_op, list_key, list_scope = "ListFilters", "Filters", ("datasetGroupArn",)


class Filter(PersonalizeResource, module="personalize", name="Filter"):
    provider_class = FilterProvider
