"""The stand-in provider's methods, called directly as the engine would."""

import json
import subprocess
import sys

import pytest
from pulumi.dynamic.dynamic import serialize_provider

from tests.fixtures.records.record_provider import UNKNOWN, LocalRecordProvider
from tests.helpers.paths import ROOT


@pytest.fixture
def provider():
    return LocalRecordProvider()


def inputs(store, name="exp-1", **settings):
    return {"store": str(store), "name": name, "settings": settings or {"tps": 1}}


def test_check_names_each_bad_property(provider, tmp_path):
    result = provider.check({}, {"store": "", "name": "has space", "settings": [1]})
    assert sorted(f.property for f in result.failures) == ["name", "settings", "store"]
    assert "has space" in next(f.reason for f in result.failures if f.property == "name")
    assert provider.check({}, inputs(tmp_path)).failures == []


def test_check_accepts_unknowns_during_preview(provider):
    assert provider.check({}, {"store": UNKNOWN, "name": UNKNOWN, "settings": UNKNOWN}).failures == []


def test_diff_replaces_only_what_cannot_be_updated(provider, tmp_path):
    olds = dict(inputs(tmp_path), revision=3, __provider="old-serialized")
    same = provider.diff("exp-1", olds, dict(inputs(tmp_path), __provider="new-serialized"))
    assert same.changes is False and same.replaces == []

    settings = provider.diff("exp-1", olds, inputs(tmp_path, tps=5))
    assert settings.changes is True and settings.replaces == [] and settings.delete_before_replace is False

    renamed = provider.diff("exp-1", olds, inputs(tmp_path, name="exp-2"))
    assert renamed.replaces == ["name"] and renamed.delete_before_replace is True

    unknown = provider.diff("exp-1", olds, dict(inputs(tmp_path), settings=UNKNOWN))
    assert unknown.changes is True and unknown.replaces == []


def test_create_read_update_delete(provider, tmp_path):
    created = provider.create(inputs(tmp_path))
    assert created.id == "exp-1" and created.outs["revision"] == 1

    read = provider.read("exp-1", created.outs)
    assert read.outs == created.outs and read.inputs == inputs(tmp_path)

    updated = provider.update("exp-1", created.outs, inputs(tmp_path, tps=7))
    assert updated.outs["revision"] == 2 and updated.outs["settings"] == {"tps": 7}
    assert json.loads((tmp_path / "exp-1.json").read_text())["settings"] == {"tps": 7}

    provider.delete("exp-1", updated.outs)
    assert not (tmp_path / "exp-1.json").exists()
    provider.delete("exp-1", updated.outs)  # already gone is success


def test_read_reports_drift_and_disappearance(provider, tmp_path):
    created = provider.create(inputs(tmp_path))
    (tmp_path / "exp-1.json").write_text(json.dumps({"name": "exp-1", "settings": {"tps": 9}, "revision": 1}))
    assert provider.read("exp-1", created.outs).inputs["settings"] == {"tps": 9}

    (tmp_path / "exp-1.json").unlink()
    assert provider.read("exp-1", created.outs).id is None


def test_create_adopts_a_matching_leftover_and_refuses_a_different_one(provider, tmp_path):
    provider.create(inputs(tmp_path))
    adopted = provider.create(inputs(tmp_path))
    assert adopted.outs["revision"] == 1
    with pytest.raises(ValueError, match="already exists with settings"):
        provider.create(inputs(tmp_path, tps=2))


def test_provider_round_trips_through_dill_into_a_fresh_interpreter(provider, tmp_path):
    serialized = serialize_provider(provider)
    script = (
        "import base64, dill, json, sys\n"
        "provider = dill.loads(base64.b64decode(sys.stdin.read()))\n"
        "result = provider.check({}, {'store': '', 'name': 'ok', 'settings': {}})\n"
        "print(json.dumps([type(provider).__name__, [f.property for f in result.failures]]))\n"
    )
    # A fresh interpreter started elsewhere, as the dynamic provider server is.
    out = subprocess.run(
        [sys.executable, "-c", script],
        input=serialized,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PYTHONPATH": str(ROOT)},
        check=True,
    )
    assert json.loads(out.stdout) == ["LocalRecordProvider", ["store"]]
