"""What the service core raises: one message that names the resource, what was
tried and the service's reason, so a command or the engine can show it alone."""


class ResourceFailed(RuntimeError):
    """A resource or job ended in a failed state; the message names it and the service's reason."""


# What botocore raises once its retries are spent, in the words a user needs.
_ACCESS = (
    "AccessDenied",
    "AccessDeniedException",
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "ExpiredToken",
    "ExpiredTokenException",
    "InvalidSignatureException",
)
_THROTTLED = ("ThrottlingException", "Throttling", "TooManyRequestsException")
# Not a throttling: a quota of the account reached (service/client.py does not
# retry it). https://docs.aws.amazon.com/personalize/latest/dg/limits.html
_QUOTA = "LimitExceededException"


def connection_errors() -> tuple[type[Exception], ...]:
    """What botocore raises when nothing answers at the endpoint."""
    import botocore.exceptions

    return (
        botocore.exceptions.EndpointConnectionError,
        botocore.exceptions.ConnectTimeoutError,
        botocore.exceptions.ReadTimeoutError,
        botocore.exceptions.ConnectionClosedError,
    )


def explained(error: Exception, what: str, endpoint: str | None, region: str | None) -> ResourceFailed | None:
    """One clear message for an unreachable service, an access denial, a
    quota reached or a throttled call whose retries ran out; None for anything else."""
    import botocore.exceptions

    where = endpoint or f"Amazon Personalize in {region or 'the default region'}"
    if isinstance(error, connection_errors()):
        return ResourceFailed(
            f"{what}: nothing answered at {where} after botocore's retries ({error}); "
            "check the endpoint and the network, then run `up` again"
        )
    if isinstance(error, botocore.exceptions.NoCredentialsError):
        return ResourceFailed(f"{what}: no AWS credentials were found for {where}")
    if isinstance(error, botocore.exceptions.ClientError):
        code = error.response.get("Error", {}).get("Code", "")
        message = error.response.get("Error", {}).get("Message", "")
        if code in _ACCESS:
            return ResourceFailed(
                f"{what}: {where} denied access ({code}: {message}); "
                "the credentials this stack runs with need the permission"
            )
        if code == _QUOTA:
            return ResourceFailed(
                f"{what}: a quota of this AWS account in {region or 'this region'} is reached at {where} "
                f"({code}: {message}); delete unused resources of that kind, or request an increase "
                "of the quota with Service Quotas, then run `up` again"
            )
        if code in _THROTTLED:
            return ResourceFailed(
                f"{what}: {where} kept throttling past botocore's retries ({code}: {message}); "
                "run `up` again later, or ask AWS to raise the quota"
            )
    return None
