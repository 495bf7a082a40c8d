"""A real gunicorn serving the service in a subprocess, for tests of what only a running
server shows: faults, graceful restarts, production headers and cookies."""

import http.client
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode

from django.db import connection

BASE_DIR = Path(__file__).resolve().parent.parent


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


@dataclass
class Server:
    process: subprocess.Popen
    port: int
    log: Path

    def request(
        self,
        method: str,
        path: str,
        *,
        headers: dict[str, str] | None = None,
        body: bytes | str | None = None,
        timeout: float = 10,
    ) -> Response:
        """One request on a new connection; redirects are not followed."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            answer = conn.getresponse()
            return Response(answer.status, answer.headers, answer.read())
        finally:
            conn.close()

    def workers(self) -> set[int]:
        """The worker processes' ids (the master's children)."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return {int(pid) for pid in children.read_text().split()}

    def signal(self, number: signal.Signals) -> None:
        self.process.send_signal(number)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url_of_test_database() -> str:
    """A DATABASE_URL for the test database pytest-django created (call inside a db test)."""
    return database_url(connection.settings_dict, connection.settings_dict["NAME"])


def database_url(params: dict, dbname: str) -> str:
    """A database URL for Django settings ``params`` (their role and server) and ``dbname``."""
    credentials = quote(params["USER"] or "", safe="")
    if params.get("PASSWORD"):
        credentials += ":" + quote(params["PASSWORD"], safe="")
    options = params.get("OPTIONS", {})
    host = params.get("HOST") or options.get("host") or ""
    port = str(params.get("PORT") or options.get("port") or "")
    name = quote(dbname, safe="")
    role = {"assume_role": options["assume_role"]} if options.get("assume_role") else {}
    if host.startswith("/"):
        query = {"host": host, **({"port": port} if port else {}), **role}
        return f"postgresql://{credentials}@/{name}?{urlencode(query)}"
    suffix = f"?{urlencode(role)}" if role else ""
    return f"postgresql://{credentials}@{host}{':' + port if port else ''}/{name}{suffix}"


@contextmanager
def gunicorn(env: dict[str, str], *, workers: int = 1, startup: float = 40) -> Iterator[Server]:
    """Serve the service on a free port with ``env`` over the current environment.

    Waits until /healthz answers; stops the server (TERM, then KILL) on the way out.
    """
    port = free_port()
    with tempfile.TemporaryDirectory() as scratch:
        log = Path(scratch) / "gunicorn.log"
        full_env = {
            **os.environ,
            "DEBUG": "false",
            "DEMO_MODE": "false",
            "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
            "REDIS_URL": "locmem",
            **env,
        }
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "childindex.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--graceful-timeout",
            "10",
            "--error-logfile",
            str(log),
            # The default control socket is one path per machine user: servers would collide.
            "--no-control-socket",
        ]
        process = subprocess.Popen(command, cwd=BASE_DIR, env=full_env)  # noqa: S603
        server = Server(process=process, port=port, log=log)
        try:
            _wait_until_live(server, startup)
            yield server
        finally:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


def _wait_until_live(server: Server, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited at start-up:\n{server.log.read_text()}")
        try:
            if server.request("GET", "/healthz", timeout=2).status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer within {seconds} s:\n{server.log.read_text()}")
