"""A throwaway PostgreSQL server for the SQL-source tests.

`postgres_dsn` starts one real server per test session on a free loopback
port, in a temporary data directory, and stops it at the end. PostgreSQL
refuses to run as root, so when the tests run as root (as CI does) the server
runs as the `postgres` OS user, created if missing. When the server binaries
are missing (a fresh machine) they are installed with apt-get, because CI
allows no skipped tests."""

import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

SERVER_USER = "postgres"  # the OS account the server runs as when we are root
DB_USER = "prep"
DB_NAME = "prep_test"


def _postgres_bin_dir() -> Path | None:
    """The directory holding initdb and pg_ctl, if PostgreSQL is installed."""
    initdb = shutil.which("initdb")
    if initdb:
        return Path(os.path.realpath(initdb)).parent
    # Debian keeps the server binaries off PATH, one directory per major version.
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    return Path(candidates[-1]).parent if candidates else None


def _install_postgres() -> Path:
    if os.geteuid() != 0:
        pytest.fail(
            "PostgreSQL is not installed and the tests are not root, so they cannot install it: "
            "run `apt-get install -y postgresql` first"
        )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update"], ["apt-get", "install", "-y", "--no-install-recommends", "postgresql"]):
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            pytest.fail(f"`{' '.join(command)}` failed ({done.returncode}):\n{done.stderr[-2000:]}")
    bin_dir = _postgres_bin_dir()
    if bin_dir is None:
        pytest.fail("apt-get installed postgresql but no initdb was found under /usr/lib/postgresql/*/bin")
    return bin_dir


def _ensure_server_user() -> None:
    try:
        pwd.getpwnam(SERVER_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--user-group", "--no-create-home", "--shell", "/usr/sbin/nologin", SERVER_USER],
            check=True,
            capture_output=True,
        )


def _free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _Server:
    """initdb, start and stop, run as the server user when we are root."""

    def __init__(self, bin_dir: Path, root: Path):
        self.bin_dir = bin_dir
        self.root = root
        self.data = root / "data"
        self.log = root / "server.log"
        self.as_root = os.geteuid() == 0

    def run(self, tool: str, *args: str) -> None:
        kwargs = {}
        if self.as_root:
            account = pwd.getpwnam(SERVER_USER)
            kwargs = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}
        done = subprocess.run(
            [str(self.bin_dir / tool), *args],
            cwd=self.root,
            capture_output=True,
            text=True,
            env={"PATH": os.environ.get("PATH", ""), "LC_ALL": "C"},
            **kwargs,
        )
        if done.returncode != 0:
            log = self.log.read_text()[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"{tool} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}\n{log}")

    def _hand_over(self, path: Path) -> None:
        """Make `path` the server user's, when the server runs as another user than us."""
        if self.as_root:
            account = pwd.getpwnam(SERVER_USER)
            os.chown(path, account.pw_uid, account.pw_gid)

    def init(self, password: str) -> None:
        self._hand_over(self.root)
        password_file = self.root / "password"
        password_file.write_text(password + "\n")
        password_file.chmod(0o600)
        self._hand_over(password_file)
        self.run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            DB_USER,
            f"--pwfile={password_file}",
            "--auth=scram-sha-256",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        )
        password_file.unlink()

    def start(self, port: int) -> None:
        # Durability is pointless for a throwaway server; skipping fsync makes it start and load fast.
        options = f"-p {port} -c listen_addresses=127.0.0.1 -k {self.root} -c fsync=off -c synchronous_commit=off"
        self.run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "-t", "60", "start")

    def stop(self) -> None:
        self.run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")


@pytest.fixture(scope="session")
def postgres_dsn():
    """`postgresql://prep:<pw>@127.0.0.1:<port>/prep_test` of a fresh, empty server for the session."""
    import psycopg

    bin_dir = _postgres_bin_dir() or _install_postgres()
    if os.geteuid() == 0:
        _ensure_server_user()
    # Directly under /tmp when root, not in pytest's tmp_path (or a $TMPDIR): their parents may be
    # mode 0700, which the server user could not enter.
    root = Path(tempfile.mkdtemp(prefix="prep-postgres-", dir="/tmp" if os.geteuid() == 0 else None))
    server = _Server(bin_dir, root)
    password = secrets.token_hex(16)
    try:
        server.init(password)
        for attempt in range(3):
            # Another process may take the free port before the server binds it: then try another.
            port = _free_loopback_port()
            try:
                server.start(port)
                break
            except RuntimeError:
                if attempt == 2:
                    raise
        admin_dsn = f"postgresql://{DB_USER}:{password}@127.0.0.1:{port}/postgres"
        with psycopg.connect(admin_dsn, autocommit=True) as admin:
            admin.execute(f"CREATE DATABASE {DB_NAME}")
        yield f"postgresql://{DB_USER}:{password}@127.0.0.1:{port}/{DB_NAME}"
    finally:
        try:
            if (server.data / "postmaster.pid").exists():
                server.stop()
        finally:
            shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_execute(postgres_dsn):
    """postgres_execute(sql, params=None): run statements against the session's database."""
    import psycopg

    def execute(sql: str, params=None) -> None:
        with psycopg.connect(postgres_dsn, autocommit=True) as connection:
            connection.execute(sql, params)

    return execute
