"""What the provider process imports at preview.

The dynamic provider's process unpickles each resource's provider, which
imports its module (providers.*) and all it imports; at preview it then only
checks and diffs. Heavy modules that only `up` needs stay out of that: the
no-change preview's cost over the engine's own (issue 18, bench/preview_bench.py)
is mostly such imports."""

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import TypeAdapter, ValidationError

from service.wait_settings import Waits
from service.waiting import WAIT_KEYS, waits_problems

ROOT = Path(__file__).resolve().parents[2]
PROVIDERS = sorted(p.stem for p in (ROOT / "providers").glob("*.py") if p.stem != "__init__")
# botocore.session imports botocore.client, its waiters and docs; pydantic is
# for the config and the waits' error messages; none of them for a check of
# valid inputs or a diff.
NOT_AT_PREVIEW = ("botocore.session", "botocore.client", "boto3", "pydantic", "polars", "matplotlib")


def test_the_providers_and_a_check_of_valid_waits_import_nothing_only_up_needs():
    code = f"""
import importlib, json, sys
for name in {PROVIDERS!r}:
    importlib.import_module("providers." + name)
from servicemodel.requests import SERVICE, validate_request
from service.waiting import waits_problems
assert waits_problems({{"initialPollSeconds": 0.05, "maxPollSeconds": 1.0, "createSeconds": 60}}) == []
assert validate_request(SERVICE, "CreateDatasetGroup", {{"name": "g"}}) == []
print(json.dumps([m for m in {NOT_AT_PREVIEW!r} if m in sys.modules]))
"""
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert json.loads(result.stdout) == []


def test_wait_keys_are_the_settings_keys():
    assert tuple(Waits.__annotations__) == WAIT_KEYS


VALUES = [1, 0.05, 60, 3600.0, math.inf, 2**60, 0, -1, -0.5, math.nan, True, False, "5", None, [1], {"a": 1}]


@pytest.mark.parametrize("value", VALUES, ids=repr)
@pytest.mark.parametrize("key", [*WAIT_KEYS, "createSecond"])
def test_waits_problems_agree_with_the_settings_model(key, value):
    """The quick answer for valid waits is pydantic's answer."""
    try:
        TypeAdapter(Waits).validate_python({key: value})
        expected = []
    except ValidationError as failure:
        expected = [(".".join(str(p) for p in e["loc"]), e["input"]) for e in failure.errors()]
    problems = waits_problems({key: value})
    assert [k for k, _ in problems] == [k for k, _ in expected]
    assert [repr(v) for _, v in problems] == [repr(v) for _, v in expected]


@pytest.mark.parametrize("waits", [[], "x", None, 5])
def test_waits_that_are_not_a_mapping_are_refused_as_before(waits):
    assert waits_problems(waits) != []
