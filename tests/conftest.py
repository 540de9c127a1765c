import shutil
import subprocess
import sys

import pytest

# The shared helpers' asserts report like a test's own (rewritten by pytest);
# this must come before tests.helpers is first imported.
pytest.register_assert_rewrite("tests.helpers")

from tests.helpers.loopback import use_loopback_credentials  # noqa: E402
from tests.helpers.paths import ROOT  # noqa: E402
from tests.helpers.provider_fixtures import start_local  # noqa: E402

# The fixtures the provider-level tests share (conn, seeded): defined once, in a
# helpers module rather than a conftest other folders would import from.
pytest_plugins = ["tests.helpers.provider_fixtures"]

# The program's packages (providers, stacks) are imported from the repo root,
# as the Pulumi language host does when it runs __main__.py.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

use_loopback_credentials()


def pytest_report_header(config):
    # Report the CLI the engine tests will use, without building one here.
    built = ROOT / ".tools" / "bin" / "pulumi"
    cli = str(built) if built.exists() else shutil.which("pulumi")
    if not cli:
        return "pulumi CLI: not built yet (the engine tests build it)"
    version = subprocess.run([cli, "version"], capture_output=True, text=True).stdout.strip()
    return f"pulumi CLI {version} at {cli}"


@pytest.fixture(autouse=True)
def one_connection_per_test():
    """The run's connection is the process's (service/connection.py): a test that
    loads a stack's config, or configures a provider, must not hand it to the next."""
    from service import connection

    yield
    connection.use(connection.Connection())
    connection._SESSIONS.clear()


@pytest.fixture(autouse=True)
def serving_cache(tmp_path_factory, request, monkeypatch):
    """Each test its own (empty) cache of user indexes (serving/users.py), never the
    home directory's: created only when a test writes to it."""
    import hashlib

    from serving.users import CACHE_ENV

    digest = hashlib.sha256(request.node.nodeid.encode()).hexdigest()[:16]
    path = tmp_path_factory.getbasetemp() / "serving-cache" / digest
    monkeypatch.setenv(CACHE_ENV, str(path))
    return path


@pytest.fixture(scope="module")
def personalize_local(tmp_path_factory, request):
    """personalize-local in this process, one per test module, at the documented
    quotas unless the module raises some with EMULATOR_QUOTAS (saying why)."""
    handle = start_local(tmp_path_factory.mktemp("emulator-state"), getattr(request.module, "EMULATOR_QUOTAS", None))
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
