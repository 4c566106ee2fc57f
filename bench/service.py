"""The service as it runs in production - ``gunicorn wsgi:app`` configured from the environment -
started on a free port for benchmarks, the load test and the multi-instance tests."""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import requests

from bench.faults import gunicorn_workers

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def service_env(database_url: str, instance: Path, **settings: str) -> dict[str, str]:
    """This process's environment without its ORGSVC_* settings, plus the service's own."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("ORGSVC_")}
    env.update({
        "ORGSVC_ENV": "development",
        "ORGSVC_DATABASE_URL": database_url,
        "ORGSVC_SECRET_KEY": secrets.token_hex(32),
        "ORGSVC_INSTANCE_PATH": str(instance),
        "ORGSVC_LOG_LEVEL": "WARNING",
        "ORGSVC_MAIL_BACKEND": "log",
        "ORGSVC_MAIL_DELIVER_INLINE": "false",
    })
    env.update(settings)
    return env


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen
    log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def workers(self) -> list[int]:
        return gunicorn_workers(self.process.pid)

    def wait_ready(self, timeout: float = 60, path: str = "/healthz") -> Server:
        """Until ``path`` answers 200 (workers boot after the socket opens, so a timeout is retried too)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn ({self.name}) exited: {self.log.read_text()[-3000:]}")
            with contextlib.suppress(requests.ConnectionError, requests.Timeout):
                if requests.get(f"{self.base}{path}", timeout=5).status_code == 200:
                    return self
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn ({self.name}) did not answer in {timeout:.0f} s: {self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        """SIGTERM to the master (it stops its workers); SIGKILL to its process group if stuck."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)  # its own session: master and workers only
                self.process.wait(timeout=10)


def start(name: str, env: dict[str, str], *, app_spec: str = "wsgi:app", workers: int = 2,
          log_dir: Path | None = None) -> Server:
    """gunicorn with ``workers`` sync workers on a free port (call ``wait_ready`` before use)."""
    port = free_port()
    log = (log_dir or Path(env["ORGSVC_INSTANCE_PATH"])) / f"gunicorn-{name}-{port}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    # No control socket: several instances on one host would share its default path.
    command = [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
               "--graceful-timeout", "5", "--no-control-socket", "--log-level", "warning", app_spec]
    with log.open("w") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    return Server(name, port, process, log)


@contextlib.contextmanager
def gunicorn(name: str, env: dict[str, str], **options) -> Iterator[Server]:
    """A started, ready gunicorn; stopped (and waited for) on exit."""
    server = start(name, env, **options)
    try:
        yield server.wait_ready()
    finally:
        server.stop()
