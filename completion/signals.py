"""The two ways the completion signal tells: a GitHub repository_dispatch and an SNS message."""

import json
import urllib.request
from collections.abc import Callable

GITHUB_API = "https://api.github.com"


def github_dispatch(
    repository: str, event_type: str, token: Callable[[], str], api: str = GITHUB_API, timeout: float = 10
) -> Callable[[dict[str, str]], None]:
    """POST /repos/{owner}/{repo}/dispatches with `event_type` and the payload as client_payload
    (https://docs.github.com/en/rest/repos/repos#create-a-repository-dispatch-event):
    GitHub answers 204 No Content; anything else raises (urllib raises on 4xx/5xx)."""
    if repository.count("/") != 1 or not all(repository.split("/")):
        raise ValueError(f"github repository must be owner/name, got {repository!r}")

    def send(payload: dict[str, str]) -> None:
        request = urllib.request.Request(
            f"{api.rstrip('/')}/repos/{repository}/dispatches",
            data=json.dumps({"event_type": event_type, "client_payload": payload}).encode(),
            method="POST",
            headers={
                "Accept": "application/vnd.github+json",
                "Authorization": f"Bearer {token()}",
                "X-GitHub-Api-Version": "2022-11-28",
                "Content-Type": "application/json",
                "User-Agent": "personalize-pulumi-completion",
            },
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            if response.status not in (200, 201, 202, 204):
                raise RuntimeError(f"GitHub answered {response.status} to the dispatch")

    return send


def secret_token(secretsmanager, secret_arn: str) -> Callable[[], str]:
    """The token in a Secrets Manager secret (its SecretString, the token itself or
    JSON {"token": ...}), read once, when first needed."""
    cache: list[str] = []

    def token() -> str:
        if not cache:
            value = secretsmanager.get_secret_value(SecretId=secret_arn)["SecretString"]
            try:
                parsed = json.loads(value)
            except ValueError:
                parsed = value
            cache.append(parsed["token"] if isinstance(parsed, dict) else str(parsed))
        return cache[0]

    return token


def sns_message(sns, topic_arn: str) -> Callable[[dict[str, str]], None]:
    def send(payload: dict[str, str]) -> None:
        subject = f"personalize {payload['stack']}: {payload['kind']} {payload['outcome']}"
        lines = [f"{k}: {v}" for k, v in payload.items()]
        sns.publish(TopicArn=topic_arn, Subject=subject[:100], Message="\n".join(lines))

    return send
