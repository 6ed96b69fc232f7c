"""Fault test: a real HTTP SMS gateway on 127.0.0.1 that is down, then hangs, then recovers.

The delivery sweep runs in separate processes against a database file of its own, with `now`
advanced between runs. One sweep is killed with SIGKILL while the gateway holds its request (the
gateway has already accepted that SMS). Afterwards every message must have reached the gateway and
at most one of them twice: the one that was in flight when the worker died.
"""

import json
import os
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections import Counter
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

pytestmark = pytest.mark.faults

ROOT = Path(__file__).resolve().parents[2]
NOON = datetime(2026, 11, 24, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
MESSAGES = 20


class HttpSmsBackend:
    """The SMS backend the sweep processes use: one POST per message to SMS_GATEWAY_URL."""

    def send(self, *, channel, address, subject, body):
        request = urllib.request.Request(
            os.environ["SMS_GATEWAY_URL"],
            data=json.dumps({"to": address, "text": body}).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        # Far shorter than the claim lease, as every real backend's timeout must be.
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310  (our own local URL)
            if response.status != 200:
                raise RuntimeError(f"gateway answered {response.status}")


class Gateway:
    """up: accept (200) · down: refuse (503) · hang: accept `hang_after` messages, then accept one
    more and hold its connection until released (the worker is killed meanwhile)."""

    def __init__(self):
        self.mode = "down"
        self.hang_after = 0
        self.in_flight = ""
        self.accepted: Counter[str] = Counter()
        self.refused = 0
        self.holding = threading.Event()
        self.release = threading.Event()
        self.lock = threading.Lock()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                text = json.loads(self.rfile.read(int(self.headers["Content-Length"])))["text"]
                with gateway.lock:
                    mode = gateway.mode
                    if mode == "down":
                        gateway.refused += 1
                    else:
                        gateway.accepted[text] += 1
                    if mode == "hang" and gateway.hang_after:
                        gateway.hang_after -= 1
                        mode = "up"
                    elif mode == "hang":
                        gateway.mode = "up"
                        gateway.in_flight = text
                if mode == "hang":
                    gateway.holding.set()
                    gateway.release.wait(30)
                    return
                self.send_response(503 if mode == "down" else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/send"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


SEED = f"""
from datetime import datetime
from residents.models import Estate
from staff.models import Notification, OutboundMessage
from tests.factories import make_staff
estate = Estate.objects.create(name="绿景苑", code="LJY")
housekeeper = make_staff("housekeeper", estate, username="hk")
make_staff("manager", estate, username="mgr")
note = Notification.objects.create(recipient=housekeeper, estate=estate, kind="t", title="Callback due")
OutboundMessage.objects.bulk_create(
    OutboundMessage(notification=note, channel="sms", address="1380000%04d" % i, body="message %d" % i,
                    not_before=datetime.fromisoformat("{NOON.isoformat()}"))
    for i in range({MESSAGES})
)
"""

SWEEPS = """
import sys
from datetime import datetime, timedelta
from staff.services import deliver_due_messages
start = datetime.fromisoformat(sys.argv[1])
for n in range(int(sys.argv[2])):
    print(deliver_due_messages(now=start + timedelta(minutes=n * int(sys.argv[3]))), flush=True)
"""

STATE = """
import json
from staff.models import Notification, OutboundMessage
print(json.dumps({
    "status": dict(OutboundMessage.objects.values_list("body", "status")),
    "bells": Notification.objects.filter(kind="outbound_failed").count(),
}))
"""


def _python(code: str, *args: str) -> list[str]:
    bootstrap = "import django; django.setup()\n"
    return [sys.executable, "-c", bootstrap + code, *args]


@pytest.fixture
def gateway():
    gw = Gateway()
    yield gw
    gw.stop()


@pytest.fixture
def env(tmp_path, gateway):
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "servicecenter.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'outbound.sqlite3'}",
        "VAR_DIR": str(tmp_path),
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "SMS_BACKEND": "tests.faults.test_sms_gateway.HttpSmsBackend",
        "SMS_GATEWAY_URL": gateway.url,
        "PYTHONPATH": str(ROOT),
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=environment,
        check=True,
        timeout=240,
    )
    subprocess.run(_python(SEED), cwd=ROOT, env=environment, check=True, timeout=60)
    return environment


def _run(env, code: str, *args: str) -> str:
    done = subprocess.run(
        _python(code, *args), cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def _state(env) -> dict:
    return json.loads(_run(env, STATE).strip().splitlines()[-1])


def test_a_gateway_that_fails_hangs_and_recovers_loses_nothing_and_duplicates_at_most_one(gateway, env):
    # Down for five sweeps, a few minutes apart: every message is tried and waits for its backoff.
    _run(env, SWEEPS, NOON.isoformat(), "5", "4")
    assert gateway.refused >= MESSAGES and not gateway.accepted
    assert set(_state(env)["status"].values()) == {"pending"}

    # Back up, but the fifth message it takes is held while the sweep that sent it is killed.
    gateway.mode, gateway.hang_after = "hang", 4
    an_hour_later = NOON + timedelta(hours=1)
    worker = subprocess.Popen(_python(SWEEPS, an_hour_later.isoformat(), "1", "1"), cwd=ROOT, env=env)
    try:
        assert gateway.holding.wait(60), "the sweep never reached the gateway"
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
    gateway.release.set()
    assert sum(gateway.accepted.values()) == 5
    status = _state(env)["status"]
    # The four sent before the kill are recorded as sent: a crash does not undo them.
    assert Counter(status.values()) == {"sent": 4, "sending": 1, "pending": MESSAGES - 5}
    assert status[gateway.in_flight] == "sending"

    # Later sweeps (past the dead sweep's lease) deliver everything.
    _run(env, SWEEPS, (an_hour_later + timedelta(minutes=1)).isoformat(), "3", "30")
    state = _state(env)
    assert set(state["status"].values()) == {"sent"}, state
    assert set(gateway.accepted) == {f"message {i}" for i in range(MESSAGES)}
    duplicates = {text: count for text, count in gateway.accepted.items() if count > 1}
    assert duplicates == {gateway.in_flight: 2}
    assert state["bells"] == 0
