"""personalize-local in a subprocess, driven through boto3 only (plus /_local).

The session emulator runs at time scale 1 (real nominal durations) so every
status can be observed; tests move time on with /_local/clock instead of
sleeping, which keeps them fast and free of timing assumptions."""

import json
import signal
import subprocess
import sys
import urllib.request
import uuid
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

from tests.helpers.data import interactions_csv
from tests.helpers.emulator import DAY, build_group, train
from tests.helpers.paths import ROOT
from tests.helpers.roles import personalize_role


class Emulator:
    """A `python -m local` subprocess and the clients that reach it."""

    def __init__(self, state_dir: Path, *extra: str, time_scale: float = 1.0):
        self.state_dir = state_dir
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "local",
                "--port",
                "0",
                "--state-dir",
                str(state_dir),
                "--time-scale",
                str(time_scale),
                *extra,
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=open(state_dir.parent / f"{state_dir.name}.log", "ab"),
            text=True,
        )
        line = self.process.stdout.readline()
        assert "personalize-local ready on " in line, f"emulator did not start: {line!r}"
        self.endpoint = line.rsplit(" ", 1)[1].strip()

    def client(self, service: str, **config):
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            config=Config(s3={"addressing_style": "path"}, **config),
        )

    def local(self, path: str, method: str = "GET", body: dict | None = None) -> dict:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.endpoint + path, data=data, method=method, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request) as response:
            return json.loads(response.read())

    def advance(self, seconds: float = DAY) -> None:
        """Let `seconds` of emulated time pass (a day: every operation finishes)."""
        self.local("/_local/clock", "POST", {"advance_seconds": seconds})

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=30)


# The session emulator is one account that every test here shares, each test
# with dataset groups of its own that it leaves behind (deleting them would take
# most of each test): more than the documented 5 active dataset groups per
# region, so it runs like an account whose quota was raised; likewise the
# campaigns, solutions and filters tests add to the one `shared` group. The
# quotas themselves are tested at their defaults on emulators of their own
# (test_quotas.py).
SHARED_ACCOUNT_QUOTAS = (
    *("--quota", "activeDatasetGroups=100"),
    *("--quota", "activeCampaigns=50"),
    *("--quota", "activeSolutions=50"),
    *("--quota", "activeFilters=50"),
)


@pytest.fixture(scope="session")
def emulator(tmp_path_factory):
    running = Emulator(tmp_path_factory.mktemp("session") / "state", *SHARED_ACCOUNT_QUOTAS)
    yield running
    running.stop()


@pytest.fixture
def start_emulator(tmp_path):
    """Start (and restart) emulators of this test's own on one state dir."""
    started = []

    def start(*extra, time_scale: float = 1.0):
        started.append(Emulator(tmp_path / "state", *extra, time_scale=time_scale))
        return started[-1]

    yield start
    for running in started:
        if running.process.poll() is None:
            running.kill()


@pytest.fixture
def p(emulator):
    return emulator.client("personalize")


@pytest.fixture
def unique():
    """A fresh suffix so tests sharing the session emulator never collide."""
    return uuid.uuid4().hex[:8]


@pytest.fixture(scope="session")
def data_bucket(emulator):
    s3 = emulator.client("s3")
    s3.create_bucket(Bucket="emulator-tests")
    s3.put_object(Bucket="emulator-tests", Key="interactions/part-1.csv", Body=interactions_csv(seed=3))
    role = personalize_role(emulator.client("iam"), s3, "emulator-tests", "emulator-tests")
    return {"bucket": "emulator-tests", "role": role}


@pytest.fixture(scope="session")
def trained(emulator, data_bucket) -> dict:
    """One dataset group with a trained solution version, shared by read-only tests."""
    arns = build_group(emulator, "shared", data_bucket)
    return {**arns, **train(emulator, arns["group"], "shared-solution")}


@pytest.fixture
def own_trained(emulator, data_bucket, unique) -> dict:
    """Like `trained`, but this test's own: for a test that asserts everything a
    group holds, which other tests add to the shared one (in any order)."""
    arns = build_group(emulator, f"own-{unique}", data_bucket)
    return {**arns, **train(emulator, arns["group"], f"own-{unique}-solution")}
