"""Calling a provider the way the engine does (check, then create/update with
the checked inputs), and the emulator's fault switches: shared by the
provider-level tests (tests/service, tests/evaluation, tests/serving)."""

import json
import urllib.request

from providers.dataset import DatasetProvider
from providers.dataset_group import DatasetGroupProvider
from providers.schema import SchemaProvider
from tests.helpers.data import INTERACTIONS_SCHEMA


def create(provider, conn, **props):
    checked = provider.check({}, {**conn, **props})
    assert checked.failures == [], [f.reason for f in checked.failures]
    result = provider.create(checked.inputs)
    return result.id, result.outs


def update(provider, outs, **changes):
    news = provider.check(outs, {**outs, **changes}).inputs
    diff = provider.diff(outs["arn"], outs, news)
    assert diff.changes and not diff.replaces, diff.replaces
    return provider.update(outs["arn"], outs, news).outs


def interactions_group(conn, name: str, domain: str | None = None) -> dict:
    """A dataset group `name` (of `domain`, if given) with an Interactions dataset:
    the ARNs of group, schema and dataset."""
    of_domain = {"domain": domain} if domain else {}
    ids = {}
    ids["group"], _ = create(DatasetGroupProvider(), conn, name=name, **of_domain)
    ids["schema"], _ = create(
        SchemaProvider(),
        conn,
        name=f"{name}-interactions",
        schema=INTERACTIONS_SCHEMA,
        datasetType="Interactions",
        **of_domain,
    )
    ids["dataset"], _ = create(
        DatasetProvider(),
        conn,
        name=f"{name}-interactions",
        datasetType="Interactions",
        datasetGroupArn=ids["group"],
        schemaArn=ids["schema"],
    )
    return ids


def set_faults(emulator, faults: dict | None):
    method, body = ("POST", json.dumps(faults).encode()) if faults else ("DELETE", None)
    request = urllib.request.Request(
        f"{emulator.endpoint}/_local/faults", data=body, method=method, headers={"Content-Type": "application/json"}
    )
    urllib.request.urlopen(request).read()


def get_faults(emulator) -> dict:
    return json.loads(urllib.request.urlopen(f"{emulator.endpoint}/_local/faults").read())
