"""Tests and benchmarks talk only to the local emulator on loopback: dummy
credentials, and no credential or config file of whoever runs them is read."""

import os

LOOPBACK_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
}


def use_loopback_credentials() -> None:
    os.environ.update(LOOPBACK_ENV)
    os.environ.pop("AWS_PROFILE", None)
