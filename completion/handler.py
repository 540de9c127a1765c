"""The Lambda entry point (completion.handler.handler): its settings come from the
environment the program (stacks/completion.py) gives the function."""

import os
from typing import Any

import boto3

from completion.signals import GITHUB_API, github_dispatch, secret_token, sns_message
from completion.watch import Signal, run


def handler(event: Any = None, context: Any = None) -> dict:
    env = os.environ
    signals: list[Signal] = []
    if env.get("GITHUB_REPOSITORY"):
        token = secret_token(boto3.client("secretsmanager"), env["GITHUB_SECRET_ARN"])
        signals.append(
            github_dispatch(
                env["GITHUB_REPOSITORY"], env["GITHUB_EVENT_TYPE"], token, env.get("GITHUB_API", GITHUB_API)
            )
        )
    if env.get("SNS_TOPIC_ARN"):
        signals.append(sns_message(boto3.client("sns"), env["SNS_TOPIC_ARN"]))
    sent = run(boto3.client("personalize"), boto3.client("s3"), env["STATE_BUCKET"], env["STACK"], signals)
    return {"signalled": sent}
