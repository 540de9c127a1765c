"""The emulator's own S3 reads and writes (import data, batch input/output),
made through its own endpoint so writes reach moto's write-ahead log too. Given
the Caller (the job's role and ARN), each access is first evaluated as the
service would (local/access.py); without one it is the emulator's own look."""

import threading
from urllib.parse import urlparse

from botocore.exceptions import ClientError

from .access import Access, Caller
from .errors import ServiceError

DUMMY_CREDENTIALS = {"aws_access_key_id": "personalize-local", "aws_secret_access_key": "personalize-local"}


def _split(uri: str) -> tuple[str, str]:
    parsed = urlparse(uri)
    if parsed.scheme != "s3" or not parsed.netloc:
        raise ServiceError("InvalidInputException", f"Invalid S3 location {uri}; expected s3://bucket/key.")
    return parsed.netloc, parsed.path.lstrip("/")


class S3Access:
    def __init__(self, endpoint: str):
        self.endpoint = endpoint
        self._client = None
        self._lock = threading.Lock()
        self.access = Access()

    @property
    def client(self):
        with self._lock:
            if self._client is None:
                import boto3
                from botocore.config import Config

                self._client = boto3.client(
                    "s3",
                    endpoint_url=self.endpoint,
                    region_name="us-east-1",
                    config=Config(s3={"addressing_style": "path"}),
                    **DUMMY_CREDENTIALS,
                )
            return self._client

    def read_location(self, uri: str, caller: Caller | None = None) -> list[bytes]:
        """The object at `uri`, or every object under it taken as a prefix."""
        bucket, key = _split(uri)
        if caller:
            self.access.require(caller, "s3:ListBucket", bucket, prefix=key)
        client = self.client
        try:
            listing = client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=key)
            keys = [obj["Key"] for page in listing for obj in page.get("Contents", [])]
        except client.exceptions.NoSuchBucket:
            raise ServiceError(
                "InvalidInputException", f"Bucket {bucket} does not exist or is not accessible."
            ) from None
        except ClientError as error:
            raise ServiceError("InvalidInputException", f"Cannot read {uri}: {error}") from None
        if key in keys:
            keys = [key]
        keys = [k for k in keys if not k.endswith("/")]
        if not keys:
            raise ServiceError("InvalidInputException", f"No data files found at {uri}.")
        if caller:
            for k in keys:
                self.access.require_read(caller, bucket, k)
        try:
            return [client.get_object(Bucket=bucket, Key=k)["Body"].read() for k in keys]
        except ClientError as error:  # moto's own bucket-policy check, for the emulator's sizing read
            raise ServiceError("InvalidInputException", f"Cannot read {uri}: {error}") from None

    def write(self, uri: str, data: bytes, caller: Caller | None = None) -> None:
        bucket, key = _split(uri)
        if caller:
            self.access.require_write(caller, bucket, key)
        try:
            self.client.put_object(Bucket=bucket, Key=key, Body=data)
        except ClientError as error:
            raise ServiceError("InvalidInputException", f"Cannot write {uri}: {error}") from None
