"""Every provider survives what the SDK does to it: dill-serialized here,
loaded in a fresh interpreter elsewhere, and asked to check inputs."""

import json
import subprocess
import sys

import pytest
from pulumi.dynamic.dynamic import serialize_provider

from providers.batch_inference_job import BatchInferenceJobProvider
from providers.campaign import CampaignProvider
from providers.dataset import DatasetProvider
from providers.dataset_group import DatasetGroupProvider
from providers.dataset_import_job import DatasetImportJobProvider
from providers.event_tracker import EventTrackerProvider
from providers.filter import FilterProvider
from providers.schema import SchemaProvider
from providers.solution import SolutionProvider
from providers.solution_version import SolutionVersionProvider
from tests.helpers.paths import ROOT

PROVIDERS = [
    BatchInferenceJobProvider,
    CampaignProvider,
    DatasetProvider,
    DatasetGroupProvider,
    DatasetImportJobProvider,
    EventTrackerProvider,
    FilterProvider,
    SchemaProvider,
    SolutionProvider,
    SolutionVersionProvider,
]
LOAD_AND_CHECK = """
import base64, dill, json, sys
provider = dill.loads(base64.b64decode(sys.stdin.read()))
result = provider.check({}, {"name": "has space", "jobName": "has space"})
print(json.dumps([type(provider).__name__, sorted(f.property for f in result.failures)]))
"""


@pytest.mark.parametrize("provider_class", PROVIDERS, ids=lambda c: c.__name__)
def test_round_trip_into_a_fresh_interpreter(provider_class, tmp_path):
    out = subprocess.run(
        [sys.executable, "-c", LOAD_AND_CHECK],
        input=serialize_provider(provider_class()),
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PYTHONPATH": str(ROOT)},
        check=True,
    )
    name, failing = json.loads(out.stdout)
    assert name == provider_class.__name__
    assert failing  # the fresh copy still validates: required members are missing
