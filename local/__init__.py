"""personalize-local: Amazon Personalize (control plane, runtime, events) plus
moto's S3/IAM/STS on one loopback port, with durable state.

    handle = local.start("/tmp/state", port=0, time_scale=0.001)
    boto3.client("personalize", endpoint_url=handle.endpoint, region_name="us-east-1")
    handle.stop()
"""


def start(
    state_dir,
    port: int = 0,
    time_scale: float = 0.001,
    host: str = "127.0.0.1",
    durations: dict | None = None,
    faults: dict | None = None,
    account: str | None = None,
    quotas: dict | None = None,
):
    """Serve on a background thread of this process; the handle has .endpoint and .stop().
    `quotas` raises (or lowers) the account's quotas from their documented
    defaults, by name: {"activeDatasetGroups": 10} (see local/quotas.py)."""
    from .server import DEFAULT_ACCOUNT, Emulator

    return Emulator(
        state_dir,
        host=host,
        port=port,
        time_scale=time_scale,
        durations=durations,
        faults=faults,
        account=account or DEFAULT_ACCOUNT,
        quotas=quotas,
    ).start()
