"""The monthly minimum campaign cost a stack exports for reviewers."""

import pytest

from stacks.config import parse
from stacks.cost import campaign_cost, tiered_usd


def stack(*tps: int):
    return parse(
        "dev",
        {
            "maxProvisionedTPS": max(tps),
            "experiments": [
                {"name": f"e{i}", "recipe": "aws-popularity-count", "datasetVersion": "v1", "minProvisionedTPS": t}
                for i, t in enumerate(tps)
            ],
        },
    )


def test_one_tps_all_month_is_730_tps_hours_at_the_first_tier():
    cost = campaign_cost(stack(1))
    assert cost["experiments"]["e0"] == {"tpsHoursPerMonth": 730, "usdPerMonth": 146.0}
    assert cost["usdPerMonthAtLeast"] == 146.0 and "per TPS-hour" in cost["basis"]


def test_tiers_apply_to_the_stack_total_and_experiments_share_it():
    # 30 TPS = 21,900 TPS-hours: 20,000 at $0.20 and 1,900 at $0.10.
    cost = campaign_cost(stack(10, 20))
    assert cost["usdPerMonthAtLeast"] == pytest.approx(20_000 * 0.20 + 1_900 * 0.10)
    assert cost["experiments"]["e1"]["usdPerMonth"] == pytest.approx(
        2 * cost["experiments"]["e0"]["usdPerMonth"], abs=0.02
    )


def test_every_tier():
    assert tiered_usd(0) == 0
    assert tiered_usd(250_000) == pytest.approx(20_000 * 0.20 + 180_000 * 0.10 + 50_000 * 0.05)


def test_one_experiments_tps_does_not_move_anothers_cost():
    # Finding 7 of #13: a share of the tiered total made e0's figure drop when e1 grew.
    before, after = campaign_cost(stack(1, 1)), campaign_cost(stack(1, 1_000))
    assert after["experiments"]["e0"] == before["experiments"]["e0"]
    assert after["experiments"]["e1"]["usdPerMonth"] == pytest.approx(tiered_usd(1_000 * 730), abs=0.01)
    assert after["usdPerMonthAtLeast"] == pytest.approx(tiered_usd(1_001 * 730), abs=0.01)
