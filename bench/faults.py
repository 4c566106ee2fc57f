"""Faults to inject into a running service: a database connection that can be cut and restored
(a network outage or a database restart, without touching a PostgreSQL server others share), a real
PostgreSQL restart, and a killed gunicorn worker."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import psutil


class CuttableProxy:
    """Forwards 127.0.0.1:<port> to ``target``; ``cut()`` drops every connection and refuses new ones."""

    def __init__(self, target_host: str, target_port: int):
        self.target = (target_host, target_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.open = threading.Event()
        self.open.set()
        self.connections: set[socket.socket] = set()
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def cut(self) -> None:
        self.open.clear()
        with self.lock:
            for connection in self.connections:
                _shut(connection)
            self.connections.clear()

    def restore(self) -> None:
        self.open.set()

    def close(self) -> None:
        self.cut()
        self.listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return  # closed
            if not self.open.is_set():
                _shut(client)
                continue
            try:
                server = socket.create_connection(self.target)
            except OSError:
                _shut(client)
                continue
            with self.lock:
                self.connections.update((client, server))
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            _shut(source)
            _shut(sink)


def _shut(connection: socket.socket) -> None:
    with contextlib.suppress(OSError):
        connection.shutdown(socket.SHUT_RDWR)
    connection.close()


def restart_postgresql() -> None:
    """Restart the local PostgreSQL cluster (as the machine's own tooling does; needs root)."""
    version = sorted(Path("/etc/postgresql").iterdir())[-1].name
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"], check=True,
                   capture_output=True, timeout=120)


def gunicorn_workers(master_pid: int) -> list[int]:
    output = subprocess.run(["pgrep", "-P", str(master_pid)], capture_output=True, text=True).stdout
    return [int(pid) for pid in output.split()]


def wait_for_workers(master_pid: int, expected: int, gone: int | None = None, timeout: float = 30) -> None:
    """Until the master runs ``expected`` workers again, none of them ``gone`` (it replaces a killed one)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        workers = gunicorn_workers(master_pid)
        if len(workers) >= expected and gone not in workers:
            return
        time.sleep(0.1)
    raise RuntimeError(f"gunicorn {master_pid} did not get back to {expected} workers")


def kill_worker_serving(master_pid: int, client_port: int, timeout: float = 10) -> int:
    """SIGKILL the worker holding the connection from ``client_port``: a kill mid-request, for certain."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for pid in gunicorn_workers(master_pid):
            with contextlib.suppress(psutil.Error):
                if any(c.raddr and c.raddr.port == client_port for c in psutil.Process(pid).net_connections("tcp")):
                    os.kill(pid, signal.SIGKILL)
                    return pid
        time.sleep(0.05)
    raise RuntimeError(f"no worker of {master_pid} took the connection from port {client_port}")
