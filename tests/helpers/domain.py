"""Through the providers: an e-commerce Domain dataset group with imported
interactions (what recommenders hang from), for the provider-level tests."""

from providers.dataset_import_job import DatasetImportJobProvider
from tests.helpers.emulator import ITEMS_SCHEMA
from tests.helpers.provider_fixtures import VIEWS_KEY
from tests.helpers.providers import create, interactions_group

__all__ = ["ITEMS_SCHEMA", "POPULAR", "domain_group"]

# An e-commerce use case: a recommender takes one of its Domain group
# (https://docs.aws.amazon.com/personalize/latest/dg/API_CreateRecommender.html).
POPULAR = "arn:aws:personalize:::recipe/aws-ecomm-popular-items-by-views"


def domain_group(conn: dict, seeded: dict, name: str) -> dict:
    """An ACTIVE ECOMMERCE group `name` with imported views (what POPULAR trains on):
    the ARNs of group, schema, dataset and import."""
    ids = interactions_group(conn, name, domain="ECOMMERCE")
    ids["import"], _ = create(
        DatasetImportJobProvider(),
        conn,
        jobName=f"{name}-v1",
        datasetArn=ids["dataset"],
        roleArn=seeded["role"],
        dataSource={"dataLocation": f"s3://{seeded['bucket']}/{VIEWS_KEY}"},
    )
    return ids
