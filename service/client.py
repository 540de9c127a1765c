"""boto3 clients, built per call and never stored: the providers that use them
are pickled into the dynamic provider's process."""

from typing import Any


def client(service: str, region: str | None = None, endpoint: str | None = None) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        service,
        region_name=region or None,
        endpoint_url=endpoint or None,
        config=Config(retries={"mode": "adaptive", "max_attempts": 10}),
    )


def error_code(error: Exception) -> str | None:
    return getattr(error, "response", {}).get("Error", {}).get("Code")
