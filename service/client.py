"""boto3 clients, built per call and never stored: the providers that use them
are pickled into the dynamic provider's process."""

from typing import Any

from service.connection import Connection, current, make_client

# Personalize answers LimitExceededException when an account's quota is reached
# (https://docs.aws.amazon.com/personalize/latest/dg/limits.html): the call
# cannot succeed until resources are deleted or the quota raised. botocore's
# standard and adaptive retry modes count that code as throttling
# (botocore/retries/standard.py, ThrottledRetryableChecker, for every service),
# so it would be retried up to max_attempts with growing back-off, and the
# adaptive mode would slow the client down, before the same error came back.
NOT_RETRIED = ("LimitExceededException",)


def client(
    service: str,
    region: str | None = None,
    endpoint: str | None = None,
    connection: Connection | None = None,
    config: Any = None,
) -> Any:
    """A client for `service` through the run's connection (the stack's profile,
    assumed roles and endpoints); `region` and `endpoint`, a resource's own, come first.
    `config`: a botocore Config instead of the adaptive retries (a preview's quick reads)."""
    from botocore.config import Config

    connection = connection or current()
    made = make_client(
        connection,
        service,
        region_name=region or connection.region,
        endpoint_url=endpoint or connection.endpoint(service),
        config=config or Config(retries={"mode": "adaptive", "max_attempts": 10}),
    )
    if service == "personalize":
        # First of the needs-retry handlers: it raises what the call would end
        # with, so the retry handler never sees the error (no back-off, no
        # retry-quota tokens taken, no rate reduction).
        made.meta.events.register_first("needs-retry.personalize", _not_retried(made))
    return made


def _not_retried(made: Any):
    def refuse(response=None, operation=None, **_: Any) -> None:
        if response is None:  # a connection error: the retry handler's to judge
            return
        error = response[1].get("Error", {}) if isinstance(response[1], dict) else {}
        if error.get("Code") in NOT_RETRIED:
            raise made.exceptions.from_code(error["Code"])(response[1], operation.name)

    return refuse


def error_code(error: Exception) -> str | None:
    return getattr(error, "response", {}).get("Error", {}).get("Code")
