"""A campaignConfig key removed from the stack is sent with the service's
default, so UpdateCampaign stops using the old value; and a key left to its
default that moved off it out of band is read as drift (#13, finding 4)."""

from providers.campaign import CampaignProvider
from service.lifecycle import overlay, reset_removed
from service.specs import CAMPAIGN_CONFIG_DEFAULTS


def with_removed_keys_reset(before, after):
    return reset_removed(before, after, CAMPAIGN_CONFIG_DEFAULTS)


def test_a_removed_nested_key_gets_its_default_and_kept_keys_stay():
    before = {"itemExplorationConfig": {"explorationWeight": "0.9", "explorationItemAgeCutOff": "10"}}
    after = {"itemExplorationConfig": {"explorationItemAgeCutOff": "10"}}
    assert with_removed_keys_reset(before, after) == {
        "itemExplorationConfig": {"explorationItemAgeCutOff": "10", "explorationWeight": "0.3"}
    }


def test_a_removed_config_resets_what_it_had_and_nothing_else():
    before = {"itemExplorationConfig": {"explorationWeight": "0.9"}, "enableMetadataWithRecommendations": True}
    assert with_removed_keys_reset(before, None) == {
        "itemExplorationConfig": {"explorationWeight": "0.3"},
        "enableMetadataWithRecommendations": CAMPAIGN_CONFIG_DEFAULTS["enableMetadataWithRecommendations"],
    }
    assert with_removed_keys_reset(None, {"syncWithLatestSolutionVersion": True}) == {
        "syncWithLatestSolutionVersion": True
    }


# As the service may describe a campaign that was given no campaignConfig.
DESCRIBED_DEFAULTS = {
    "itemExplorationConfig": {"explorationWeight": "0.3", "explorationItemAgeCutOff": "30"},
    "enableMetadataWithRecommendations": False,
    "syncWithLatestSolutionVersion": False,
}


def test_keys_holding_their_default_read_as_declared():
    assert overlay(None, DESCRIBED_DEFAULTS, CAMPAIGN_CONFIG_DEFAULTS) is None
    declared = {"itemExplorationConfig": {"explorationItemAgeCutOff": "10"}}
    described = {
        **DESCRIBED_DEFAULTS,
        "itemExplorationConfig": {"explorationWeight": "0.3", "explorationItemAgeCutOff": "10"},
    }
    assert overlay(declared, described, CAMPAIGN_CONFIG_DEFAULTS) == declared


def test_an_undeclared_key_off_its_default_reads_with_the_service_value():
    declared = {"itemExplorationConfig": {"explorationItemAgeCutOff": "10"}}
    described = {
        "itemExplorationConfig": {"explorationWeight": "0.9", "explorationItemAgeCutOff": "10"},
        "enableMetadataWithRecommendations": True,
        # No documented default: what the service fills in here is not drift.
        "rankingInfluence": {"POPULARITY": 0.5},
    }
    assert overlay(declared, described, CAMPAIGN_CONFIG_DEFAULTS) == {
        "itemExplorationConfig": {"explorationItemAgeCutOff": "10", "explorationWeight": "0.9"},
        "enableMetadataWithRecommendations": True,
    }
    assert overlay(None, {"itemExplorationConfig": {"explorationWeight": "0.9"}}, CAMPAIGN_CONFIG_DEFAULTS) == {
        "itemExplorationConfig": {"explorationWeight": "0.9"}
    }


def test_an_undeclared_key_read_off_its_default_is_sent_back_with_its_default():
    olds = {"campaignConfig": {"itemExplorationConfig": {"explorationWeight": "0.9"}}}
    request = CampaignProvider().update_request(["campaignConfig"], {}, olds)
    assert request == {"campaignConfig": {"itemExplorationConfig": {"explorationWeight": "0.3"}}}
