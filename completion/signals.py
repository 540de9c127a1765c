"""How the stack tells: a GitHub repository_dispatch (the completion signal's next
step), an SNS message and a webhook POST (people: the completion signal's ends, and
the notifications of providers/notice.py). A payload is a flat mapping that always
has stack, kind and outcome; the SNS message and the webhook carry the same keys."""

import json
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any

GITHUB_API = "https://api.github.com"
# A Publish subject: at most 100 characters
# (https://docs.aws.amazon.com/sns/latest/api/API_Publish.html).
SUBJECT_LENGTH = 100


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
            try:
                value = secretsmanager.get_secret_value(SecretId=secret_arn)["SecretString"]
            except secretsmanager.exceptions.ResourceNotFoundException:
                # The program declares the secret empty (stacks/completion.py): a secret without a
                # value has no AWSCURRENT version, which GetSecretValue answers as not found
                # (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html).
                raise RuntimeError(
                    f"the GitHub token's secret {secret_arn} has no value (or does not exist): put the token in it with "
                    f"`aws secretsmanager put-secret-value --secret-id {secret_arn} --secret-string <token>`"
                ) from None
            try:
                parsed = json.loads(value)
            except ValueError:
                parsed = value
            cache.append(parsed["token"] if isinstance(parsed, dict) else str(parsed))
        return cache[0]

    return token


def subject(payload: Mapping[str, Any]) -> str:
    return f"personalize {payload['stack']}: {payload['kind']} {payload['outcome']}"[:SUBJECT_LENGTH]


def text(payload: Mapping[str, Any]) -> str:
    """The message people read (an email): one `key: value` line per key."""
    return "\n".join(f"{k}: {v}" for k, v in payload.items())


def chatbot(payload: Mapping[str, Any]) -> str:
    """The message an AWS Chatbot (Amazon Q Developer in chat applications) channel shows:
    its custom notification schema, version 1.0 with source "custom" and the content's
    title and description (https://docs.aws.amazon.com/chatbot/latest/adminguide/custom-notifs.html);
    Chatbot drops an SNS message that is neither an AWS service's event nor this."""
    return json.dumps(
        {"version": "1.0", "source": "custom", "content": {"title": subject(payload), "description": text(payload)}}
    )


def publish(sns, topic_arn: str, payload: Mapping[str, Any]) -> None:
    """One Publish with a message per protocol (MessageStructure json: "default" is required,
    https://docs.aws.amazon.com/sns/latest/api/API_Publish.html): the text lines for email,
    SQS and the rest; Chatbot's schema for HTTPS, the protocol a Chatbot channel subscribes with."""
    lines = text(payload)
    sns.publish(
        TopicArn=topic_arn,
        Subject=subject(payload),
        MessageStructure="json",
        Message=json.dumps({"default": lines, "email": lines, "https": chatbot(payload)}),
    )


def sns_message(sns, topic_arn: str) -> Callable[[dict[str, str]], None]:
    def send(payload: dict[str, str]) -> None:
        publish(sns, topic_arn, payload)

    return send


def webhook_problem(url: str) -> str | None:
    """Why `url` cannot be a webhook, or None: an absolute http(s) URL with a host."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "an absolute http:// or https:// URL with a host"
    return None


def webhook(url: str, timeout: float = 10) -> Callable[[Mapping[str, Any]], None]:
    """POST the payload as JSON to `url`; a status of 300 or more raises (urllib raises on 4xx/5xx)."""
    if problem := webhook_problem(url):
        raise ValueError(f"webhook URL {url!r}: {problem}")

    def send(payload: Mapping[str, Any]) -> None:
        request = urllib.request.Request(
            url,
            data=json.dumps(dict(payload)).encode(),
            method="POST",
            headers={"Content-Type": "application/json", "User-Agent": "personalize-pulumi-notify"},
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            if response.status >= 300:
                raise RuntimeError(f"the webhook answered {response.status}")

    return send
