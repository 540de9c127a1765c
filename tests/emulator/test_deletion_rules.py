"""What must be gone before a dataset, and so its dataset group, can be deleted.
Sources: https://docs.aws.amazon.com/personalize/latest/dg/delete-dataset.html
(filters, the event tracker, campaigns being created or ACTIVE) and
https://docs.aws.amazon.com/personalize/latest/dg/API_DeleteDatasetGroup.html
(event trackers, solutions, datasets)."""

import pytest


def gone(p, describe, **arn) -> bool:
    try:
        getattr(p, describe)(**arn)
    except p.exceptions.ResourceNotFoundException:
        return True
    return False


def test_a_dataset_with_filters_in_its_group_is_not_deleted(emulator, p, own_trained, unique):
    flt = p.create_filter(
        name=f"f-{unique}",
        datasetGroupArn=own_trained["group"],
        filterExpression='EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("click")',
    )["filterArn"]
    emulator.advance()
    with pytest.raises(p.exceptions.ResourceInUseException, match="filter"):
        p.delete_dataset(datasetArn=own_trained["dataset"])
    with pytest.raises(p.exceptions.ResourceInUseException):  # its dataset (and solution) are still there
        p.delete_dataset_group(datasetGroupArn=own_trained["group"])
    p.delete_filter(filterArn=flt)
    emulator.advance()
    assert gone(p, "describe_filter", filterArn=flt)
    p.delete_dataset(datasetArn=own_trained["dataset"])


def test_an_interactions_dataset_waits_for_its_event_tracker_and_campaigns(emulator, p, own_trained, unique):
    tracker = p.create_event_tracker(name=f"t-{unique}", datasetGroupArn=own_trained["group"])["eventTrackerArn"]
    campaign = p.create_campaign(name=f"c-{unique}", solutionVersionArn=own_trained["version"])["campaignArn"]
    emulator.advance()
    with pytest.raises(p.exceptions.ResourceInUseException, match="event-tracker"):
        p.delete_dataset(datasetArn=own_trained["dataset"])
    p.delete_event_tracker(eventTrackerArn=tracker)
    emulator.advance()
    with pytest.raises(p.exceptions.ResourceInUseException, match="campaign"):  # an ACTIVE campaign
        p.delete_dataset(datasetArn=own_trained["dataset"])
    p.delete_campaign(campaignArn=campaign)
    emulator.advance()
    p.delete_dataset(datasetArn=own_trained["dataset"])
    emulator.advance()
    assert gone(p, "describe_dataset", datasetArn=own_trained["dataset"])
