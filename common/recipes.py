"""What each recipe the stack config offers supports, as the product reads AWS's
documentation: the preview refuses a setting the service documents only for
other recipes, instead of `up` failing (or the service silently ignoring it).

personalize-local keeps its own table (local/recipes.py), so the emulator stays
an independent check; tests/unit/test_recipe_tables.py fails when they disagree."""

from typing import NamedTuple

_DG = "https://docs.aws.amazon.com/personalize/latest/dg/"
# One page per fact, where the rule is stated.
SOURCES = {
    # UPDATE only for a solution trained with User-Personalization (or legacy HRNN-Coldstart).
    "training_modes": _DG + "API_CreateSolutionVersion.html",
    # itemExplorationConfig only with User-Personalization; User-Personalization-v2 explores by itself
    # (use-case-recipe-features.html, "Configuring exploration").
    "item_exploration": _DG + "API_CampaignConfig.html",
    # performIncrementalUpdate only for Semantic-Similarity.
    "incremental_update": _DG + "API_SolutionUpdateSummary.html",
    # solutionConfig.eventsConfig only with User-Personalization-v2 and Personalized-Ranking-v2.
    "events_config": _DG + "optimizing-solution-events-config.html",
    # Item interactions always; Items required by Similar-Items and optional for all
    # other recipes (the Similar-Items page only recommends it: the strict reading is taken).
    "required_datasets": _DG + "items-datasets.html",
    # USER_SEGMENTATION recipes (Item-Affinity, Item-Attribute-Affinity) make batch segments only.
    "real_time": _DG + "getting-user-segments.html",
    "batch_segment": _DG + "user-segmentation-recipes.html",
}


class RecipeSupport(NamedTuple):
    training_modes: tuple[str, ...] = ("FULL",)
    item_exploration: bool = False
    incremental_update: bool = False
    events_config: bool = False
    required_datasets: tuple[str, ...] = ("INTERACTIONS",)
    real_time: bool = True  # campaigns and batch inference jobs
    batch_segment: bool = False


# The recipes an experiment may name, in the order the config's docs list them.
SUPPORT: dict[str, RecipeSupport] = {
    "aws-user-personalization": RecipeSupport(training_modes=("FULL", "UPDATE"), item_exploration=True),
    "aws-user-personalization-v2": RecipeSupport(events_config=True),
    "aws-popularity-count": RecipeSupport(),
    "aws-sims": RecipeSupport(),
    "aws-similar-items": RecipeSupport(required_datasets=("INTERACTIONS", "ITEMS")),
    "aws-personalized-ranking": RecipeSupport(),
    "aws-personalized-ranking-v2": RecipeSupport(events_config=True),
}


def required_datasets(recipe: str) -> tuple[str, ...]:
    """The dataset types a recipe or use case trains on and cannot do without."""
    known = SUPPORT.get(recipe) or DOMAIN_RECIPES.get(recipe)
    return known.required_datasets if known else ()


def recipes_with(feature: str) -> tuple[str, ...]:
    """The recipes whose `feature` is true (for a message saying what is allowed)."""
    return tuple(name for name, support in SUPPORT.items() if getattr(support, feature))


class DomainRecipe(NamedTuple):
    """A use case of a domain dataset group, served by a recommender."""

    domain: str
    related_items: bool = False  # recommendations for an item (itemId), not a user
    # The event types its training reads, where the use case's page names them.
    event_types: tuple[str, ...] = ()
    required_datasets: tuple[str, ...] = ("INTERACTIONS",)


# The use cases of each domain, as their pages list them:
# https://docs.aws.amazon.com/personalize/latest/dg/ECOMMERCE-use-cases.html
# https://docs.aws.amazon.com/personalize/latest/dg/VIDEO_ON_DEMAND-use-cases.html
DOMAIN_RECIPES: dict[str, DomainRecipe] = {
    "aws-ecomm-popular-items-by-purchases": DomainRecipe("ECOMMERCE", event_types=("Purchase",)),
    "aws-ecomm-popular-items-by-views": DomainRecipe("ECOMMERCE", event_types=("View",)),
    "aws-ecomm-recommended-for-you": DomainRecipe("ECOMMERCE", event_types=("View",)),
    "aws-ecomm-customers-who-viewed-x-also-viewed": DomainRecipe(
        "ECOMMERCE", related_items=True, event_types=("View",)
    ),
    "aws-ecomm-frequently-bought-together": DomainRecipe("ECOMMERCE", related_items=True, event_types=("Purchase",)),
    "aws-vod-most-popular": DomainRecipe("VIDEO_ON_DEMAND", event_types=("Watch",)),
    "aws-vod-top-picks": DomainRecipe("VIDEO_ON_DEMAND", event_types=("Watch",)),
    "aws-vod-because-you-watched-x": DomainRecipe("VIDEO_ON_DEMAND", related_items=True, event_types=("Watch",)),
    # More like X needs an Items dataset, and 1000 events of any type (its section names none).
    "aws-vod-more-like-x": DomainRecipe(
        "VIDEO_ON_DEMAND", related_items=True, required_datasets=("INTERACTIONS", "ITEMS")
    ),
}

# Recipes with no hyperparameters to tune: performHPO would do nothing
# (https://docs.aws.amazon.com/personalize/latest/dg/native-recipe-popularity.html lists no hyperparameters).
WITHOUT_HYPERPARAMETERS = ("aws-popularity-count",)

# Recipes that recommend items for an item, not for a user
# (https://docs.aws.amazon.com/personalize/latest/dg/native-recipe-sims.html,
# native-recipe-similar-items.html): the gate's held-out users do not apply.
RELATED_ITEMS_RECIPES = ("aws-sims", "aws-similar-items")
