"""A throw-away PostgreSQL cluster for the store tests: Debian's binaries, a temp dir, a free port.

initdb and postgres refuse to run as root (CI runs as root), so as root the cluster runs as
Debian's `postgres` user via runuser, in a temp dir that user owns.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path


def postgres_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if not found:
        raise RuntimeError("PostgreSQL not installed: run `bash scripts/install-test-deps.sh` (make test does)")
    return Path(found[-1]).parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_cluster_user(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@contextmanager
def running_cluster(durable: bool = False):
    """Yield the base URL postgresql+psycopg://postgres@127.0.0.1:PORT of a fresh cluster.

    Tests skip fsync (a throw-away cluster); durable=True keeps PostgreSQL's defaults (benchmarks).
    """
    binaries = postgres_bin()
    root = Path(tempfile.mkdtemp(prefix="xiancheng-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    data, log = root / "data", root / "postgres.log"
    port = _free_port()
    run = lambda cmd: subprocess.run(_as_cluster_user(cmd), check=True, capture_output=True, text=True)  # noqa: E731
    try:
        run([str(binaries / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
             "--locale=C.UTF-8", "--no-sync"])
        options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c max_connections=100"
        if not durable:
            options += " -c fsync=off -c full_page_writes=off -c synchronous_commit=off"
        run([str(binaries / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "-t", "60", "start"])
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}"
    except subprocess.CalledProcessError as error:
        tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        raise RuntimeError(f"{error.cmd} failed: {error.stderr}\n{tail}") from error
    finally:
        if (data / "postmaster.pid").exists():
            subprocess.run(_as_cluster_user([str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
                           capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


class Databases:
    """Fresh databases in one cluster: `create()` returns the URL of a new empty database."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self._count = 0

    def _admin(self, sql: str) -> None:
        import psycopg

        conninfo = self.base_url.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
        with psycopg.connect(conninfo, autocommit=True) as connection:
            connection.execute(sql)

    def create(self) -> str:
        self._count += 1
        name = f"t{os.getpid()}_{self._count}_{int(time.time() * 1000) % 100000}"
        self._admin(f'CREATE DATABASE "{name}"')
        return f"{self.base_url}/{name}"

    def drop(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
