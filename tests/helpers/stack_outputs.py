"""Stack outputs as `pulumi stack output --json --show-secrets` prints them, for
the unit tests of serving and evaluation: LEGACY as a stack deployed by the
release before named dataset groups (issue 15) left them, GROUPED as one
with dataset groups shared by experiments, campaigns and a recommender.
Copy before changing: copy.deepcopy(GROUPED)."""

ACCOUNT = "arn:aws:personalize:us-east-1:000000000000"


def arn(kind: str, name: str) -> str:
    return f"{ACCOUNT}:{kind}/{name}"


def campaign_experiment(name: str, group: str | None, version: str, **extra) -> dict:
    served = arn("solution", f"{name}/{version}")
    return {
        **({"datasetGroup": group, "servedBy": "campaign"} if group else {}),
        "datasetVersion": "v1",
        "recipe": "aws-user-personalization",
        "dataPrefix": "datasets/v1/",
        "campaignArn": arn("campaign", name),
        "importJobArn": arn("dataset-import-job", f"{group or name}-v1"),
        "solutionVersionArn": served,
        "trainingStatus": "ACTIVE",
        "servedVersionArn": served,
        "metrics": {"coverage": 0.3, "normalized_discounted_cumulative_gain_at_10": 0.2},
        "filters": {},
        **extra,
    }


def promotion(served: str, metrics: dict, decision: str = "initial", metric: str = "validation.ndcg_at_10") -> dict:
    return {
        "decision": decision,
        "reason": "no model served yet",
        "metric": metric,
        "championArn": "",
        "challengerArn": served,
        "servedVersionArn": served,
        "championMetrics": {},
        "challengerMetrics": metrics,
        "decidedAt": "2025-01-01T00:00:00Z",
        "history": "s3://b/promotions/x.jsonl",
    }


def validation(ndcg: float, users: int = 500, **service) -> dict:
    return {
        "validation.ndcg_at_10": ndcg,
        "validation.precision_at_10": round(ndcg / 4, 4),
        "validation.users": users,
        **service,
    }


LEGACY = {
    "bucket": "personalize-dev",
    "personalizeRoleArn": "arn:aws:iam::000000000000:role/personalize",
    "connection": {"region": "us-east-1", "endpoint": None},
    "experiments": {
        "baseline": campaign_experiment("baseline", None, "v1", filters={"no-purchases": arn("filter", "b-np")}),
        "similar": campaign_experiment("similar", None, "v1"),
    },
    "promotions": {
        "baseline": promotion(arn("solution", "baseline/v1"), validation(0.21)),
        "similar": promotion(arn("solution", "similar/v1"), validation(0.11)),
    },
    "baselineTrackingId": "tracking-baseline",
}

SHOP_FILTERS = {"no-purchases": arn("filter", "shop-np"), "cheap": arn("filter", "shop-cheap")}
GROUPED = {
    "bucket": "personalize-dev",
    "personalizeRoleArn": "arn:aws:iam::000000000000:role/personalize",
    "connection": {"region": "us-east-1", "endpoint": None},
    "experiments": {
        # A custom recipe in the e-commerce group, served by a campaign: a challenger
        # was rejected, so the champion's metrics are the served model's.
        "custom": campaign_experiment(
            "custom", "shop", "v2", filters=SHOP_FILTERS, solutionVersionArn=arn("solution", "custom/v3")
        ),
        "tuned": campaign_experiment("tuned", "shop", "v1", filters=SHOP_FILTERS),
        "for-you": {
            "datasetGroup": "shop",
            "servedBy": "recommender",
            "datasetVersion": "v1",
            "recipe": "aws-ecomm-recommended-for-you",
            "dataPrefix": "datasets/v1/",
            "recommenderArn": arn("recommender", "for-you"),
            "recommenderStatus": "ACTIVE",
            "metrics": {"coverage": 0.4, "normalized_discounted_cumulative_gain_at_10": 0.3, "precision_at_10": 0.06},
        },
        "movies": campaign_experiment("movies", "films", "v1"),
    },
    "datasetGroups": {
        "shop": {
            "datasetGroupArn": arn("dataset-group", "shop"),
            "datasetVersion": "v1",
            "domain": "ECOMMERCE",
            "datasets": {
                "interactions": {
                    "datasetArn": arn("dataset", "shop/INTERACTIONS"),
                    "importJobArn": arn("dataset-import-job", "shop-interactions-v1"),
                    "importStatus": "ACTIVE",
                },
                "items": {
                    "datasetArn": arn("dataset", "shop/ITEMS"),
                    "importJobArn": arn("dataset-import-job", "shop-items-v1"),
                    "importStatus": "CREATE IN_PROGRESS",
                },
            },
            "filters": SHOP_FILTERS,
            "eventTracker": True,
            "metricAttributionArn": arn("metric-attribution", "shop"),
            "experiments": ["custom", "tuned", "for-you"],
        },
        "films": {
            "datasetGroupArn": arn("dataset-group", "films"),
            "datasetVersion": "v1",
            "domain": None,
            "datasets": {
                "interactions": {
                    "datasetArn": arn("dataset", "films/INTERACTIONS"),
                    "importJobArn": arn("dataset-import-job", "films-v1"),
                    "importStatus": "ACTIVE",
                }
            },
            "filters": {},
            "eventTracker": False,
            "metricAttributionArn": None,
            "experiments": ["movies"],
        },
    },
    "promotions": {
        "custom": {
            **promotion(arn("solution", "custom/v2"), validation(0.19), decision="reject"),
            "reason": "validation.ndcg_at_10: challenger 0.17 vs champion 0.19",
            "championArn": arn("solution", "custom/v2"),
            "challengerArn": arn("solution", "custom/v3"),
            "championMetrics": validation(0.19, normalized_discounted_cumulative_gain_at_10=0.22),
            "challengerMetrics": validation(0.17, normalized_discounted_cumulative_gain_at_10=0.25),
        },
        "tuned": promotion(
            arn("solution", "tuned/v1"), validation(0.24, normalized_discounted_cumulative_gain_at_10=0.21)
        ),
        "movies": promotion(arn("solution", "movies/v1"), validation(0.3)),
    },
    "shopTrackingId": "tracking-shop",
}
