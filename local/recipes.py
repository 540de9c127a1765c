"""The built-in recipes ListRecipes/DescribeRecipe report, with their algorithms."""

from typing import NamedTuple

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

# The event type each ECOMMERCE use case needs at least ECOMMERCE_MIN_EVENTS of, and whether
# it trains on those events only (the popularity use cases count views or purchases; Frequently
# bought together pairs purchases; Customers who viewed X pairs views; Recommended for you uses
# all events, its required View events among them):
# https://docs.aws.amazon.com/personalize/latest/dg/ECOMMERCE-use-cases.html. The page writes
# the types `View` and `Purchase`; event types are data values, compared as written (strict
# reading: `purchase` is not `Purchase`).
ECOMMERCE_MIN_EVENTS = 1000
DOMAIN_EVENT_TYPES = {
    "aws-ecomm-popular-items-by-purchases": ("Purchase", True),
    "aws-ecomm-popular-items-by-views": ("View", True),
    "aws-ecomm-frequently-bought-together": ("Purchase", True),
    "aws-ecomm-customers-who-viewed-x-also-viewed": ("View", True),
    "aws-ecomm-recommended-for-you": ("View", False),
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


# ---------------------------------------------------------------- what each recipe supports
# The emulator's own reading of AWS's documentation, independent of the product's
# (common/recipes.py); tests/unit/test_recipe_tables.py fails when the two disagree.
# Where the documentation is unclear the strict reading is taken, and said so.
DOC = "https://docs.aws.amazon.com/personalize/latest/dg/"
# trainingMode UPDATE: only for solutions of User-Personalization (or legacy HRNN-Coldstart).
TRAINING_MODE_DOC = DOC + "API_CreateSolutionVersion.html"
# itemExplorationConfig: only for solutions of User-Personalization; with
# User-Personalization-v2 the service configures exploration itself.
EXPLORATION_DOCS = (DOC + "API_CampaignConfig.html", DOC + "use-case-recipe-features.html")
# performIncrementalUpdate: only for solutions of Semantic-Similarity.
INCREMENTAL_DOC = DOC + "API_SolutionUpdateSummary.html"
# solutionConfig.eventsConfig: only with User-Personalization-v2 or Personalized-Ranking-v2.
EVENTS_CONFIG_DOC = DOC + "optimizing-solution-events-config.html"
# Batch segment jobs use a version trained with a USER_SEGMENTATION recipe; those recipes
# make segments only (no campaign, no batch inference: strict reading, the pages name only
# batch segment jobs for them).
SEGMENT_DOCS = (DOC + "getting-user-segments.html", DOC + "user-segmentation-recipes.html")
# Datasets: an Item interactions dataset is the minimum for every custom recipe; Items is
# required by Similar-Items and optional for the other recipes (items-datasets),
# although the Similar-Items page itself only recommends it: strict reading, required.
# Item-Affinity and Item-Attribute-Affinity train on Interactions and Items
# (user-segmentation-recipes); Next-Best-Action needs Actions (datasets-schemas-overview);
# Semantic-Similarity needs an Items dataset with a text field (native-recipe-semantic-similarity).
# The v2 pages say they train on Item interactions and Items datasets without calling Items
# required; items-datasets calls it optional for them, so it is optional here.
DATASET_DOCS = (
    DOC + "datasets-schemas-overview.html",
    DOC + "items-datasets.html",
    DOC + "native-recipe-similar-items.html",
    DOC + "user-segmentation-recipes.html",
    DOC + "native-recipe-semantic-similarity.html",
)


class Capabilities(NamedTuple):
    training_modes: tuple[str, ...] = ("FULL",)
    item_exploration: bool = False  # campaignConfig.itemExplorationConfig
    incremental_update: bool = False  # CreateSolution/UpdateSolution performIncrementalUpdate
    events_config: bool = False  # solutionConfig.eventsConfig
    required_datasets: tuple[str, ...] = ("INTERACTIONS",)
    real_time: bool = True  # campaigns and batch inference jobs
    batch_segment: bool = False  # batch segment jobs


CAPABILITIES: dict[str, Capabilities] = {
    "aws-user-personalization": Capabilities(training_modes=("FULL", "UPDATE"), item_exploration=True),
    "aws-user-personalization-v2": Capabilities(events_config=True),
    "aws-popularity-count": Capabilities(),
    "aws-trending-now": Capabilities(),
    "aws-personalized-ranking": Capabilities(),
    "aws-personalized-ranking-v2": Capabilities(events_config=True),
    "aws-similar-items": Capabilities(required_datasets=("INTERACTIONS", "ITEMS")),
    "aws-sims": Capabilities(),
    "aws-semantic-similarity": Capabilities(incremental_update=True, required_datasets=("INTERACTIONS", "ITEMS")),
    "aws-next-best-action": Capabilities(required_datasets=("INTERACTIONS", "ACTIONS")),
    "aws-item-affinity": Capabilities(required_datasets=("INTERACTIONS", "ITEMS"), real_time=False, batch_segment=True),
    "aws-item-attribute-affinity": Capabilities(
        required_datasets=("INTERACTIONS", "ITEMS"), real_time=False, batch_segment=True
    ),
}


def capabilities(recipe_arn: str) -> Capabilities:
    """What the recipe of `recipe_arn` supports (a domain use case: what its custom recipe does)."""
    name = recipe_arn.rsplit("/", 1)[-1]
    if name in DOMAIN_RECIPES:
        name = DOMAIN_RECIPES[name][2]
    return CAPABILITIES[name]
