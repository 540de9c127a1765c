"""One connection for every AWS call of a run: the region, endpoints, profile and
assumed roles the stack gives pulumi-aws (`aws:region`, `aws:profile`,
`aws:assumeRoles`/`aws:assumeRole`, `aws:endpoints`), so the Personalize
resources land in the account and region of the bucket and role.

The program reads them from its config; the dynamic providers get the same
stack config from the engine (`ResourceProvider.configure`: the engine hands a
dynamic provider the whole stack config, pkg/resource/deploy/target.go
GetPackageConfig), so a `destroy`, which runs no program, connects the same way.
None of it is a resource input: nothing of it is diffed or written to the state.

Credentials are resolved once per process and connection: the profile through
boto3's own chain, each assumed role through botocore's AssumeRoleCredentialFetcher,
refreshed before they expire (a training can outlast an hour's session)."""

import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

# pulumi-aws's keys (its provider config, https://www.pulumi.com/registry/packages/aws/installation-configuration/).
REGION, PROFILE, ASSUME_ROLES, ASSUME_ROLE, ENDPOINTS = (
    "aws:region",
    "aws:profile",
    "aws:assumeRoles",
    "aws:assumeRole",
    "aws:endpoints",
)
# The services the program, the providers and the commands call, by their
# aws:endpoints key (pulumi-aws knows the first four; a single endpoint, the
# emulator's, serves them all).
SERVICES = ("personalize", "s3", "sts", "iam", "personalize-runtime", "personalize-events")
_DURATION = re.compile(r"(\d+)([hms])")
_SECONDS = {"h": 3600, "m": 60, "s": 1}


class BadConnection(ValueError):
    """A connection setting that cannot be used: its key, its value and what is allowed."""

    def __init__(self, key: str, value: Any, allowed: str):
        super().__init__(f"{key}: {value!r}; allowed: {allowed}")
        self.key, self.value, self.allowed = key, value, allowed


@dataclass(frozen=True)
class AssumedRole:
    role_arn: str
    session_name: str | None = None
    external_id: str | None = None
    duration_seconds: int | None = None

    def request(self) -> dict[str, Any]:
        """The AssumeRole members besides RoleArn (botocore names the session when we do not)."""
        extra: dict[str, Any] = {}
        if self.session_name:
            extra["RoleSessionName"] = self.session_name
        if self.external_id:
            extra["ExternalId"] = self.external_id
        if self.duration_seconds:
            extra["DurationSeconds"] = self.duration_seconds
        return extra


@dataclass(frozen=True)
class Connection:
    region: str | None = None
    endpoints: tuple[tuple[str, str], ...] = ()  # (service, URL)
    profile: str | None = None
    assume_roles: tuple[AssumedRole, ...] = ()

    def endpoint(self, service: str) -> str | None:
        return dict(self.endpoints).get(service)

    def describe(self) -> str:
        """Where the calls go and as whom, in words, for error messages."""
        parts = [f"aws:profile {self.profile}" if self.profile else "the default credentials"]
        parts += [f"assuming {role.role_arn}" for role in self.assume_roles]
        return ", ".join(parts)


def _value(raw: Any) -> Any:
    """A config value as the program (objects) or the engine (JSON text) hands it over."""
    if isinstance(raw, str) and raw[:1] in "[{":
        try:
            return json.loads(raw)
        except ValueError:
            return raw
    return raw


def _duration(key: str, raw: Any) -> int | None:
    """pulumi-aws writes a Go duration ("1h", "15m", "1h30m"); seconds are taken too."""
    if raw in (None, ""):
        return None
    if isinstance(raw, int) or (isinstance(raw, str) and raw.isdigit()):
        return int(raw)
    text = str(raw).replace(" ", "")
    if not re.fullmatch(r"(\d+[hms])+", text):
        raise BadConnection(key, raw, "a duration like 1h, 15m, 3600s or 3600")
    return sum(int(n) * _SECONDS[unit] for n, unit in _DURATION.findall(text))


def _role(key: str, raw: Any) -> AssumedRole:
    if not isinstance(raw, dict) or not isinstance(raw.get("roleArn"), str) or not raw["roleArn"]:
        raise BadConnection(key, raw, "an object with roleArn (and sessionName, externalId, duration)")
    return AssumedRole(
        role_arn=raw["roleArn"],
        session_name=raw.get("sessionName") or None,
        external_id=raw.get("externalId") or None,
        duration_seconds=_duration(f"{key}.duration", raw.get("duration") or raw.get("durationSeconds")),
    )


def from_config(get: Callable[[str], Any]) -> Connection:
    """The connection the stack's `aws:*` config describes; `get(key)` returns a raw value or None."""
    roles_raw = _value(get(ASSUME_ROLES))
    single = _value(get(ASSUME_ROLE))
    if roles_raw not in (None, []) and single not in (None, {}):
        raise BadConnection(ASSUME_ROLE, single, f"one of {ASSUME_ROLE} and {ASSUME_ROLES}, not both")
    if roles_raw in (None, []):
        roles_raw = [single] if single not in (None, {}) else []
    if not isinstance(roles_raw, list):
        raise BadConnection(ASSUME_ROLES, roles_raw, "a list of objects with roleArn")
    endpoints_raw = _value(get(ENDPOINTS)) or []
    endpoints_raw = [endpoints_raw] if isinstance(endpoints_raw, dict) else endpoints_raw
    if not isinstance(endpoints_raw, list) or not all(isinstance(e, dict) for e in endpoints_raw):
        raise BadConnection(ENDPOINTS, endpoints_raw, "a list of objects like {personalize: URL, s3: URL}")
    endpoints = {service: url for entry in endpoints_raw for service, url in entry.items() if service in SERVICES}
    return Connection(
        region=get(REGION) or None,
        endpoints=tuple(sorted(endpoints.items())),
        profile=get(PROFILE) or None,
        assume_roles=tuple(_role(f"{ASSUME_ROLES}[{i}]", r) for i, r in enumerate(roles_raw)),
    )


def as_output(connection: Connection) -> dict[str, Any]:
    """The stack's `connection` output: where its resources are and how to reach them,
    for the commands (serving, evaluation) that work with a deployed stack. Names
    only: a profile, role ARNs; no credential."""
    out: dict[str, Any] = {"region": connection.region, "endpoint": connection.endpoint("personalize")}
    if connection.profile:
        out["profile"] = connection.profile
    if connection.assume_roles:
        out["assumeRoles"] = [
            {
                "roleArn": r.role_arn,
                "sessionName": r.session_name,
                "externalId": r.external_id,
                "duration": r.duration_seconds,
            }
            for r in connection.assume_roles
        ]
    return out


def from_output(output: dict[str, Any]) -> Connection:
    """The connection a stack's `connection` output describes (see as_output)."""
    endpoint = output.get("endpoint")
    return from_config(
        {
            REGION: output.get("region"),
            PROFILE: output.get("profile"),
            ASSUME_ROLES: [{k: v for k, v in r.items() if v is not None} for r in output.get("assumeRoles") or []],
            ENDPOINTS: [dict.fromkeys(SERVICES, endpoint)] if endpoint else [],
        }.get
    )


# The connection of this process's run: set once by the program (stacks.config.load)
# or by the provider server (providers.connected), read by service.client.client.
_current = Connection()


def use(connection: Connection) -> None:
    global _current
    _current = connection


def current() -> Connection:
    return _current


_SESSIONS: dict[Connection, Any] = {}
_LOCK = threading.Lock()


def session(connection: Connection) -> Any:
    """The boto3 session of a connection, made once per process."""
    with _LOCK:
        if connection not in _SESSIONS:
            _SESSIONS[connection] = _new_session(connection)
        return _SESSIONS[connection]


def _new_session(connection: Connection) -> Any:
    import boto3
    import botocore.session
    from botocore.credentials import AssumeRoleCredentialFetcher, DeferredRefreshableCredentials

    from servicemodel.requests import data_loader

    core = botocore.session.Session()
    # The process's one loader: the models and endpoint data are parsed once.
    core.register_component("data_loader", data_loader())
    base = boto3.Session(botocore_session=core, profile_name=connection.profile, region_name=connection.region)
    if not connection.assume_roles:
        return base
    botocore_session = base._session
    credentials = botocore_session.get_credentials()
    # Each role is assumed with the credentials of the one before (a chain, as pulumi-aws does).
    sts = partial(
        botocore_session.create_client, region_name=connection.region, endpoint_url=connection.endpoint("sts")
    )
    for role in connection.assume_roles:
        fetcher = AssumeRoleCredentialFetcher(sts, credentials, role.role_arn, extra_args=role.request())
        credentials = DeferredRefreshableCredentials(fetcher.fetch_credentials, method="assume-role")
    # boto3 has no public way to hand a session refreshable credentials: botocore's
    # own providers set this attribute the same way.
    botocore_session._credentials = credentials
    return base


def make_client(connection: Connection, service: str, **kwargs: Any) -> Any:
    """A client of the connection's session (session.client is not thread-safe)."""
    made_by = session(connection)
    with _LOCK:
        return made_by.client(service, **kwargs)
