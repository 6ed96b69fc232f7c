"""Process helpers for the fault tests: a private redis-server, Celery workers and beats, a web
server, all pointed at the test's own database, and bounded waits.

Every process is started in its own session (process group) by a `Processes` registry, so a fault
can SIGKILL a worker together with its pool children, and teardown kills whatever is still running:
a test never leaves a process behind and never touches one it did not start. Every wait has a
timeout. A test that needs a binary this machine lacks is skipped with the reason.

The children import the project's settings through a small module written into the test's
temporary folder (`fault_settings`): it shortens the broker's visibility timeout and restore sweep,
so a message held by a killed worker comes back in seconds rather than the production hour. No
switch for this exists in the project's settings.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest
import redis
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
T = TypeVar("T")

VISIBILITY_TIMEOUT = 2  # seconds before an unacknowledged message goes back to the queue

FAULT_SETTINGS = f'''"""Written by tests/faults/processes.py: the project's settings, with a broker that gives a dead
worker's unacknowledged messages back within seconds."""

from servicecenter.settings import *  # noqa: F403
from servicecenter.settings import CELERY_BROKER_TRANSPORT_OPTIONS

CELERY_BROKER_TRANSPORT_OPTIONS = {{
    **CELERY_BROKER_TRANSPORT_OPTIONS,
    "visibility_timeout": {VISIBILITY_TIMEOUT},
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}}
'''

FAULT_BEAT = '''"""Written by tests/faults/processes.py: a beat whose schedule is the tasks named in FAULT_BEAT_TASKS,
each every FAULT_BEAT_EVERY seconds, instead of the project's (hours apart)."""

import os

from celery.beat import PersistentScheduler


class FastScheduler(PersistentScheduler):
    def __init__(self, app, *args, **kwargs):
        every = float(os.environ.get("FAULT_BEAT_EVERY", "1"))
        app.conf.beat_schedule = {
            name: {"task": name, "schedule": every}
            for name in os.environ["FAULT_BEAT_TASKS"].split(",")
            if name
        }
        super().__init__(app, *args, **kwargs)
'''


# --- waiting -----------------------------------------------------------------------------------


def wait_until(
    predicate: Callable[[], T],
    *,
    timeout: float,
    what: str,
    interval: float = 0.1,
    details: Callable[[], str] | None = None,
) -> T:
    """Poll `predicate` until it returns something truthy (returned) or `timeout` seconds pass;
    then fail, with `details()` (e.g. the children's logs) as they are at that moment."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            extra = f"\n{details()}" if details else ""
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}{extra}")
        time.sleep(interval)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def require_binary(name: str, hint: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"needs `{name}` on PATH ({hint})")
    return path


def require_postgres() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (the child processes share the test database); set DATABASE_URL")


def database_url() -> str:
    """The test database (pytest-django's `test_…`), for the children to use the same rows."""
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


# --- processes ---------------------------------------------------------------------------------


class Process:
    """A child in its own process group; its output goes to a log file read by `output()`."""

    def __init__(self, name: str, args: list[str], *, env: dict[str, str], log_dir: Path):
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        self._log = self.log_path.open("wb")
        self.popen = subprocess.Popen(
            args,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def pid(self) -> int:
        return self.popen.pid

    def is_running(self) -> bool:
        return self.popen.poll() is None

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kill(self, timeout: float = 10) -> None:
        """SIGKILL the whole group (a Celery worker's pool children die with it)."""
        self._signal_group(signal.SIGKILL)
        self._reap(timeout)

    def stop(self, timeout: float = 10) -> None:
        """SIGTERM to the main process (a warm shutdown for Celery: the pool finishes the task in
        hand), then SIGKILL the group if it does not go in time. Signalling the whole group would
        kill the pool children mid-task, which is a crash, not a shutdown."""
        if self.is_running():
            with contextlib.suppress(ProcessLookupError):
                self.popen.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.popen.wait(timeout=timeout)
        self.kill(timeout)

    def _signal_group(self, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError):  # already gone, group and all
            os.killpg(self.popen.pid, sig)

    def _reap(self, timeout: float) -> None:
        try:
            self.popen.wait(timeout=timeout)
        finally:
            self._log.close()


class Processes:
    """The processes one test started; `close()` (in the fixture's teardown) kills them all."""

    def __init__(self, tmp_path: Path):
        self.tmp_path = tmp_path
        self.log_dir = tmp_path / "logs"
        self.log_dir.mkdir(exist_ok=True)
        self.modules = tmp_path / "modules"
        self.modules.mkdir(exist_ok=True)
        (self.modules / "fault_settings.py").write_text(FAULT_SETTINGS)
        (self.modules / "fault_beat.py").write_text(FAULT_BEAT)
        self.started: list[Process] = []

    def spawn(self, name: str, args: list[str], *, env: dict[str, str]) -> Process:
        process = Process(name, args, env=env, log_dir=self.log_dir)
        self.started.append(process)
        return process

    def close(self) -> None:
        for process in reversed(self.started):
            with contextlib.suppress(subprocess.TimeoutExpired):  # a zombie we cannot reap
                process.kill(timeout=10)

    def logs(self) -> str:
        """Every child's log tail, for assertion messages."""
        return "\n".join(f"--- {p.name} ---\n{p.output()[-2500:]}" for p in self.started)

    # --- environment ---

    def env(self, *, broker_url: str = "", **extra: str) -> dict[str, str]:
        """The children's environment: the test's database, this test's broker, a private var/."""
        var_dir = self.tmp_path / "var"
        var_dir.mkdir(exist_ok=True)
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "fault_settings",
            "PYTHONPATH": os.pathsep.join([str(self.modules), str(ROOT)]),
            "DATABASE_URL": database_url(),
            "DB_CONN_MAX_AGE": "0",
            "DEBUG": "true",
            "VAR_DIR": str(var_dir),
            "REDIS_URL": "",  # no shared Redis: the cache falls back to files under var/
            "CACHE_URL": "",
            "CELERY_BROKER_URL": broker_url or "memory://",
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
        }
        env.pop("PYTEST_CURRENT_TEST", None)
        env.update(extra)
        return env

    # --- servers ---

    def redis(self) -> str:
        """Start a private redis-server on a free port; return its URL once it answers PING."""
        binary = require_binary("redis-server", "apt-get install redis-server")
        port = free_port()
        self.spawn(
            f"redis-{port}",
            [
                binary,
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.tmp_path),
            ],
            env=dict(os.environ),
        )
        url = f"redis://127.0.0.1:{port}/0"
        client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)

        def answers() -> bool:
            try:
                return bool(client.ping())
            except redis.RedisError:
                return False

        try:
            wait_until(answers, timeout=10, what=f"redis-server on port {port}")
        finally:
            client.close()
        return url

    def worker(self, name: str, *, env: dict[str, str], pool: str = "solo", concurrency: int = 1) -> Process:
        """A Celery worker; `wait_ready` waits until it consumes."""
        return self.spawn(
            name,
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "servicecenter",
                "worker",
                f"--pool={pool}",
                f"--concurrency={concurrency}",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                f"{name}@%h",
            ],
            env=env,
        )

    def beat(self, name: str, *, env: dict[str, str], tasks: list[str], every: float = 1.0) -> Process:
        """A `celery beat` that sends `tasks` every `every` seconds (its own schedule file)."""
        return self.spawn(
            name,
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "servicecenter",
                "beat",
                "--loglevel=INFO",
                "--scheduler=fault_beat:FastScheduler",
                f"--schedule={self.tmp_path / f'{name}-schedule'}",
                "--max-interval=1",
            ],
            env={**env, "FAULT_BEAT_TASKS": ",".join(tasks), "FAULT_BEAT_EVERY": str(every)},
        )

    def web(self, name: str, *, env: dict[str, str]) -> tuple[Process, str]:
        """gunicorn serving the project (one sync worker); returns it and its base URL once it answers."""
        port = free_port()
        process = self.spawn(
            name,
            [
                sys.executable,
                "-m",
                "gunicorn",
                "servicecenter.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "--timeout",
                "60",
                "--graceful-timeout",
                "1",
            ],
            env=env,
        )
        base = f"http://127.0.0.1:{port}"

        def answers() -> bool:
            if not process.is_running():
                raise AssertionError(f"{name} exited:\n{process.output()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2):
                    return True
            except urllib.error.HTTPError:
                return True  # any HTTP answer means it serves (healthz may report the broker)
            except OSError:
                return False

        wait_until(answers, timeout=30, interval=0.2, what=f"{name} to serve on port {port}")
        return process, base


def wait_ready(worker: Process, *, timeout: float = 30) -> None:
    """Until the worker logs that it is ready to consume (it exits early → fail with its log)."""

    def ready() -> bool:
        if not worker.is_running():
            raise AssertionError(f"{worker.name} exited:\n{worker.output()[-3000:]}")
        return " ready." in worker.output()

    wait_until(ready, timeout=timeout, interval=0.2, what=f"{worker.name} to be ready")


def send_task(broker_url: str, name: str, **kwargs) -> str:
    """Publish a task message as the web app or beat would, from outside the worker; its id."""
    from celery import Celery

    # Not the current app: the test process's own tasks stay eager on the project app.
    sender = Celery(broker=broker_url, set_as_current=False)
    try:
        return sender.send_task(name, kwargs=kwargs).id
    finally:
        sender.close()


@pytest.fixture
def processes(tmp_path) -> Iterator[Processes]:
    """The test's own processes, all killed in teardown (import this fixture into a test module)."""
    require_postgres()
    started = Processes(tmp_path)
    try:
        yield started
    finally:
        started.close()
