"""Dataset groups shared by experiments (issue 15): what a good config means."""

from stacks.config import parse
from stacks.tags import tags
from tests.helpers.config_cases import GOOD, GROUP, MEMBER, RECOMMENDED, SHOP, grouped


def test_experiments_of_a_group_share_it_and_a_first_form_experiment_has_its_own():
    stack = parse(
        "local",
        grouped(MEMBER, dict(MEMBER, name="personal", recipe="aws-user-personalization-v2"), GOOD | {"name": "old"}),
    )
    assert [g.name for g in stack.groups()] == ["retail", "old"]
    assert [e.name for e in stack.members("retail")] == ["popular", "personal"]
    own = stack.group("old")
    assert (own.dataset_version, own.datasets, own.import_mode) == ("v1", ("interactions",), "FULL")


def test_a_domain_recipe_is_served_by_a_recommender_with_its_minimum():
    stack = parse("local", grouped(RECOMMENDED, groups=(SHOP,)))
    [experiment] = stack.experiments
    assert experiment.served_by_recommender
    assert (experiment.recommender is None) and stack.group("shop").domain == "ECOMMERCE"


def test_auto_training_and_follow_latest_reach_the_requests():
    stack = parse("local", grouped(dict(MEMBER, autoTraining={"schedule": "rate(3 days)"}, followLatest=True)))
    [experiment] = stack.experiments
    assert experiment.solution_request_config() == {"autoTrainingConfig": {"schedulingExpression": "rate(3 days)"}}
    assert experiment.campaign_request_config() == {"syncWithLatestSolutionVersion": True}


def test_the_quotas_count_the_stack_against_raised_values():
    members = [dict(MEMBER, name=f"e{i}") for i in range(6)]
    stack = parse("local", grouped(*members, quotas={"activeSolutions": 20, "activeCampaigns": 6}))
    assert len(stack.members("retail")) == 6


def test_tags_say_where_a_resource_comes_from_and_the_project_keys_win():
    stack = parse(
        "staging",
        grouped(dict(MEMBER, tags={"owner": "recs"}), groups=(dict(GROUP, tags={"team": "data"}),), tags={"team": "x"})
        | {"environment": "pre-prod"},
    )
    [experiment] = stack.experiments
    assert {t["tagKey"]: t["tagValue"] for t in tags(stack, stack.group("retail"), experiment)} == {
        "owner": "recs",
        "team": "data",
        "personalize-pulumi:stack": "staging",
        "personalize-pulumi:environment": "pre-prod",
        "personalize-pulumi:dataset-group": "retail",
        "personalize-pulumi:experiment": "popular",
    }
