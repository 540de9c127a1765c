"""The least a stack's campaigns cost a month, from their minProvisionedTPS,
exported so a reviewer sees in the preview what a TPS change costs.

A campaign bills max(minProvisionedTPS, actual TPS) every hour it is ACTIVE,
whether or not anyone calls it. Prices are AWS's list prices for real-time
recommendations per TPS-hour (https://aws.amazon.com/personalize/pricing/),
tiered by each month's TPS-hours per account and region; they could not be
checked against AWS from the machine this was written on, so check them
there before relying on the figure. Batch inference, training and data
ingestion are billed separately and are not included; so are recommenders,
whose minimum requests per second bill at prices of their own, which we could
not check from here (their experiments are listed with that minimum)."""

from stacks.config import StackConfig

HOURS_PER_MONTH = 730
# (TPS-hours in the tier, USD per TPS-hour); None is everything above.
TIERS = ((20_000, 0.20), (180_000, 0.10), (None, 0.05))
BASIS = (
    "minProvisionedTPS x 730 hours at $0.20 per TPS-hour for the first 20,000 TPS-hours a month, "
    "$0.10 for the next 180,000, $0.05 above (AWS list price, per account and region); real traffic above "
    "the minimum and other campaigns in the account add to it. The stack's total is tiered on all its "
    "campaigns together; each experiment's figure is its campaign priced alone, so one experiment's change "
    "never moves another's"
)


def tiered_usd(tps_hours: float) -> float:
    usd, left = 0.0, tps_hours
    for size, price in TIERS:
        billed = left if size is None else min(left, size)
        usd, left = usd + billed * price, left - billed
        if left <= 0:
            break
    return usd


def campaign_cost(stack: StackConfig) -> dict:
    hours = {e.name: e.min_provisioned_tps * HOURS_PER_MONTH for e in stack.experiments if not e.served_by_recommender}
    recommenders = {
        e.name: {"minRecommendationRequestsPerSecond": e.recommender_serving.min_recommendation_requests_per_second}
        for e in stack.experiments
        if e.served_by_recommender
    }
    total = tiered_usd(sum(hours.values()))
    return {
        "usdPerMonthAtLeast": round(total, 2),
        # Tiers apply to the account's total. A share of the stack's total would make one
        # experiment's TPS change move every other's figure; priced alone, each figure is
        # what that campaign adds at most, and a review sees the change where it is.
        "experiments": {
            name: {"tpsHoursPerMonth": h, "usdPerMonth": round(tiered_usd(h), 2)} for name, h in hours.items()
        },
        "basis": BASIS,
        **({"recommendersNotPriced": recommenders} if recommenders else {}),
    }
