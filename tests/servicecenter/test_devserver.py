"""`make run` ends quietly on Ctrl-C: the dev server stops web, worker and beat and exits with 0,
without a traceback, whether Ctrl-C comes while it is starting or once it runs (issue #12)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.faults

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _start(tmp_path: Path) -> subprocess.Popen:
    env = dict(
        os.environ,
        DATABASE_URL=f"sqlite:///{tmp_path / 'dev.sqlite3'}",
        # Its own var/: the filesystem broker's folders and beat's schedule of another run (tasks
        # queued and never consumed) would otherwise reach this worker, which has no tables.
        VAR_DIR=str(tmp_path / "var"),
        REDIS_URL="",  # the filesystem broker: no Redis needed to start
        DJANGO_SETTINGS_MODULE="servicecenter.settings",
    )
    env.pop("CELERY_BROKER_URL", None)
    return subprocess.Popen(
        [sys.executable, "-m", "servicecenter.devserver", "--port", str(_free_port())],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        # As a terminal would: Ctrl-C delivered by default (a background job would ignore it).
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def _interrupt(process: subprocess.Popen, *, after: float) -> tuple[int, str, list[int]]:
    deadline = time.monotonic() + after
    children: set[int] = set()
    while time.monotonic() < deadline:
        children.update(_children(process.pid))
        time.sleep(0.1)
    process.send_signal(signal.SIGINT)
    try:
        output, _ = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
    left = [pid for pid in children if _alive(pid)]
    for pid in left:  # only the processes this test started
        os.kill(pid, signal.SIGKILL)
    return process.returncode, output, left


@pytest.mark.parametrize("after", [1.5, 12.0], ids=["while-starting", "running"])
def test_ctrl_c_stops_everything_and_exits_with_0(tmp_path, after):
    returncode, output, left = _interrupt(_start(tmp_path), after=after)
    assert returncode == 0, output
    assert "Traceback" not in output, output
    assert left == []
