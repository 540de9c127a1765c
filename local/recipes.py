"""The built-in recipes ListRecipes/DescribeRecipe report, with their algorithms."""

RECIPES = {
    "aws-user-personalization": ("USER_PERSONALIZATION", "Predicts the items a user will interact with."),
    "aws-user-personalization-v2": ("USER_PERSONALIZATION", "Transformer-based user personalization."),
    "aws-popularity-count": ("USER_PERSONALIZATION", "Recommends the most popular items."),
    "aws-trending-now": ("USER_PERSONALIZATION", "Recommends items gaining popularity fastest."),
    "aws-personalized-ranking": ("PERSONALIZED_RANKING", "Ranks a list of items for a user."),
    "aws-personalized-ranking-v2": ("PERSONALIZED_RANKING", "Transformer-based personalized ranking."),
    "aws-similar-items": ("RELATED_ITEMS", "Recommends items similar to a given item."),
    "aws-sims": ("RELATED_ITEMS", "Item-to-item similarities from co-occurrence."),
    "aws-semantic-similarity": ("RELATED_ITEMS", "Items semantically similar to a given item."),
    "aws-next-best-action": ("USER_PERSONALIZATION", "Recommends the next best actions for a user."),
    "aws-item-affinity": ("USER_SEGMENTATION", "Users most likely to interact with items."),
    "aws-item-attribute-affinity": ("USER_SEGMENTATION", "Users most likely to interact with item attributes."),
}

# Domain recipes (use cases) for recommenders: (domain, type, the custom recipe that trains it).
DOMAIN_RECIPES = {
    "aws-ecomm-popular-items-by-purchases": ("ECOMMERCE", "USER_PERSONALIZATION", "aws-popularity-count"),
    "aws-ecomm-popular-items-by-views": ("ECOMMERCE", "USER_PERSONALIZATION", "aws-popularity-count"),
    "aws-ecomm-recommended-for-you": ("ECOMMERCE", "USER_PERSONALIZATION", "aws-user-personalization"),
    "aws-ecomm-customers-who-viewed-x-also-viewed": ("ECOMMERCE", "RELATED_ITEMS", "aws-sims"),
    "aws-ecomm-frequently-bought-together": ("ECOMMERCE", "RELATED_ITEMS", "aws-sims"),
    "aws-vod-most-popular": ("VIDEO_ON_DEMAND", "USER_PERSONALIZATION", "aws-popularity-count"),
    "aws-vod-top-picks": ("VIDEO_ON_DEMAND", "USER_PERSONALIZATION", "aws-user-personalization"),
    "aws-vod-because-you-watched-x": ("VIDEO_ON_DEMAND", "RELATED_ITEMS", "aws-sims"),
    "aws-vod-more-like-x": ("VIDEO_ON_DEMAND", "RELATED_ITEMS", "aws-similar-items"),
}

FEATURE_TRANSFORMATIONS = {"JSON-percentile-filtering": {"maxPercentile": "1.0", "minPercentile": "0.0"}}
CREATED = 1546300800.0  # recipes predate any resource: 2019-01-01


def recipe(name: str) -> dict:
    if name in DOMAIN_RECIPES:
        domain, recipe_type, trained_by = DOMAIN_RECIPES[name]
        description = f"{domain} use case, trained here like {trained_by}."
    else:
        recipe_type, description = RECIPES[name]
    return {
        "name": name,
        "recipeArn": f"arn:aws:personalize:::recipe/{name}",
        "algorithmArn": f"arn:aws:personalize:::algorithm/{name}",
        "featureTransformationArn": "arn:aws:personalize:::feature-transformation/JSON-percentile-filtering",
        "status": "ACTIVE",
        "description": description,
        "recipeType": recipe_type,
        "creationDateTime": CREATED,
        "lastUpdatedDateTime": CREATED,
    }


def all_recipes(domain: str | None = None) -> list[dict]:
    custom = [] if domain else list(RECIPES)
    use_cases = [n for n, (d, _, _) in DOMAIN_RECIPES.items() if domain in (None, d)]
    return [recipe(name) for name in custom + use_cases]


def algorithm(name: str) -> dict:
    return {
        "name": name,
        "algorithmArn": f"arn:aws:personalize:::algorithm/{name}",
        "algorithmImage": {"name": name, "dockerURI": f"personalize/{name}:latest"},
        "defaultHyperParameters": {},
        "defaultResourceConfig": {},
        "trainingInputMode": "File",
        "creationDateTime": CREATED,
        "lastUpdatedDateTime": CREATED,
    }


def feature_transformation(name: str) -> dict:
    return {
        "name": name,
        "featureTransformationArn": f"arn:aws:personalize:::feature-transformation/{name}",
        "defaultParameters": FEATURE_TRANSFORMATIONS[name],
        "status": "ACTIVE",
        "creationDateTime": CREATED,
        "lastUpdatedDateTime": CREATED,
    }
