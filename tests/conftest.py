import os
import shutil
import subprocess
import sys

import pytest

# The shared helpers' asserts report like a test's own (rewritten by pytest);
# this must come before tests.helpers is first imported.
pytest.register_assert_rewrite("tests.helpers")

from tests.helpers.paths import ROOT  # noqa: E402

# The fixtures the provider-level tests share (conn, seeded): defined once, in a
# helpers module rather than a conftest other folders would import from.
pytest_plugins = ["tests.helpers.provider_fixtures"]

# The program's packages (providers, stacks) are imported from the repo root,
# as the Pulumi language host does when it runs __main__.py.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Tests talk only to the local emulator on loopback: dummy credentials, and no
# credential or config file of whoever runs them is ever read.
os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
    }
)
os.environ.pop("AWS_PROFILE", None)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Tests run in random order (pytest-randomly shuffles modules, and tests
    within them, before this hook), except the tests of a module marked
    `pytestmark = pytest.mark.scenario`: steps of one story on resources they
    share (a chain walked through its lifecycle, a gate's decision history),
    which keep their file order wherever the module lands."""
    start = 0
    while start < len(items):
        module = getattr(items[start], "module", None)
        end = start + 1
        while end < len(items) and getattr(items[end], "module", None) is module:
            end += 1
        if _is_scenario(module):
            items[start:end] = sorted(items[start:end], key=_file_order)
        start = end


def _is_scenario(module) -> bool:
    marks = getattr(module, "pytestmark", [])
    return any(mark.name == "scenario" for mark in (marks if isinstance(marks, list) else [marks]))


def _file_order(item) -> tuple:
    function = getattr(item, "function", None)
    line = function.__code__.co_firstlineno if function is not None else 0
    callspec = getattr(item, "callspec", None)
    return line, tuple(sorted(callspec.indices.items())) if callspec else ()


def pytest_report_header(config):
    # Report the CLI the engine tests will use, without building one here.
    built = ROOT / ".tools" / "bin" / "pulumi"
    cli = str(built) if built.exists() else shutil.which("pulumi")
    if not cli:
        return "pulumi CLI: not built yet (the engine tests build it)"
    version = subprocess.run([cli, "version"], capture_output=True, text=True).stdout.strip()
    return f"pulumi CLI {version} at {cli}"


# Realistic durations 2000x faster: a one-hour training takes 1.8 s.
EMULATOR_TIME_SCALE = 0.0005


@pytest.fixture(scope="module")
def personalize_local(tmp_path_factory):
    """personalize-local in this process, one per test module."""
    import local

    handle = local.start(str(tmp_path_factory.mktemp("emulator-state")), port=0, time_scale=EMULATOR_TIME_SCALE)
    yield handle
    handle.stop()


@pytest.fixture(scope="module")
def emulator(personalize_local):
    """The module's personalize-local, by the name the provider-level tests use
    (tests/emulator has its own, an out-of-process server)."""
    return personalize_local


@pytest.fixture(scope="module")
def aws(personalize_local):
    """aws("s3") and the like: boto3 clients of the module's emulator."""
    import boto3

    return lambda service: boto3.client(service, endpoint_url=personalize_local.endpoint, region_name="us-east-1")
