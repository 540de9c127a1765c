"""A campaignConfig key removed from the stack is sent with the service's
default, so UpdateCampaign stops using the old value (#13, finding 4)."""

from providers.campaign import CAMPAIGN_CONFIG_DEFAULTS, with_removed_keys_reset


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
