"""The mixed load: desk staff and portal residents at a total request rate, steady then stepped.

Run by `loadtest.run` (which starts the site and writes the credentials file); by hand:

    locust -f loadtest/locustfile.py --headless --host http://127.0.0.1:8765 \
        --credentials var/loadtest/credentials.json --rate 70 --steady-seconds 600 \
        --steps 90,110,130,160,200 --step-seconds 60 --out-dir var/loadtest

One user in `--form-logins` logs in through the real login form (CSRF token and all); the others
start from a session `loadtest.accounts` opened for them (see there why). Then each works at a pace
that makes the whole mix total `--rate` requests per second (`--staff-share` of them from the
staff). Every request counts towards the pace, so a task of four requests waits four times as
long. The shape spawns everyone gradually (password hashing is slow on purpose), resets the
statistics, holds the steady rate for `--steady-seconds`, then steps the rate up; at the end of
each phase it writes the phase's statistics as a Locust stats CSV (`<phase>_stats.csv`).
"""

from __future__ import annotations

import csv
import http.cookiejar
import json
import random
import re
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

from locust import LoadTestShape, events, task
from locust.contrib.fasthttp import FastHttpUser
from locust.stats import PERCENTILES_TO_REPORT, StatsCSV

from loadtest.forms import html_form

PACE = {"rps": 70.0}  # the current total target; the shape raises it step by step
CREDENTIALS: dict = {}
_claimed = {"staff": 0, "residents": 0, "all": 0}


@events.init_command_line_parser.add_listener
def _options(parser):
    group = parser.add_argument_group("servicecenter load test")
    group.add_argument(
        "--credentials", default="var/loadtest/credentials.json", help="from loadtest.accounts"
    )
    group.add_argument("--rate", type=float, default=70.0, help="steady total requests/s")
    group.add_argument("--steady-seconds", type=float, default=600)
    group.add_argument("--steps", default="90,110,130,160,200", help="request rates to step through after")
    group.add_argument("--step-seconds", type=float, default=60)
    group.add_argument("--staff-users", type=int, default=60)
    group.add_argument("--resident-users", type=int, default=400)
    group.add_argument("--spawn", type=float, default=4.0, help="users started per second (logins are slow)")
    group.add_argument("--staff-share", type=float, default=0.4, help="share of the requests made by staff")
    group.add_argument("--out-dir", default="var/loadtest")
    group.add_argument(
        "--form-logins", type=int, default=10, help="one user in N logs in through the form (0: none)"
    )


@events.init.add_listener
def _init(environment, **_kwargs):
    options = environment.parsed_options
    if options is None:  # imported by a test, not run by Locust
        return
    CREDENTIALS.update(json.loads(Path(options.credentials).read_text(encoding="utf-8")))
    StaffUser.fixed_count = min(options.staff_users, len(CREDENTIALS["staff"]))
    ResidentUser.fixed_count = min(options.resident_users, len(CREDENTIALS["residents"]))
    PACE["rps"] = options.rate


def request_interval(*, rps: float, share: float, users: int) -> float:
    """Seconds between two requests of one user so that `users` of them make `share` of `rps`."""
    return max(users, 1) / max(rps * share, 1e-6)


class DeskBase(FastHttpUser):
    abstract = True
    share_option = "staff_share"
    connection_timeout = 30.0
    network_timeout = 60.0

    def on_start(self) -> None:
        self._made = 0
        self._woke = time.monotonic()
        self._first = True
        username = self.claim()
        _claimed["all"] += 1
        every = self.environment.parsed_options.form_logins
        session = CREDENTIALS.get("sessions", {}).get(username)
        by_form = not session or (every and _claimed["all"] % every == 1 % every)
        if not (by_form and self.login(username)) and session:
            self.resume(session)  # a login lost to a timeout is counted, and the user still works

    # --- pacing ---------------------------------------------------------------------------------

    def share(self) -> float:
        return self.environment.parsed_options.staff_share

    def interval(self) -> float:
        return request_interval(rps=PACE["rps"], share=self.share(), users=self.fixed_count)

    def wait_time(self) -> float:
        interval = self.interval()
        now = time.monotonic()
        if self._first:  # spread the users over one interval, so they don't march in step
            self._first, wait = False, random.uniform(0, interval)
        else:
            wait = max(0.0, self._made * interval * random.uniform(0.8, 1.2) - (now - self._woke))
        self._made = 0
        self._woke = now + wait
        return wait

    # --- requests -------------------------------------------------------------------------------

    def csrf(self) -> str:
        for cookie in self.client.cookiejar:
            if cookie.name == "csrftoken":
                return cookie.value
        return ""

    def call(self, method: str, path: str, name: str, *, expect=(200,), **kwargs):
        self._made += 1
        kwargs.setdefault("allow_redirects", False)
        with self.client.request(method, path, name=name, catch_response=True, **kwargs) as response:
            location = response.headers.get("Location", "") if response.headers else ""
            if response.status_code not in expect:
                response.failure(f"{response.status_code}, expected {expect}: {(response.text or '')[:200]}")
            elif "/accounts/login/" in location:
                response.failure("sent to the login page")
            else:
                response.success()
            return response

    def get(self, path: str, name: str, **kwargs):
        return self.call("GET", path, name, **kwargs)

    def post_form(self, path: str, name: str, fields: dict, *, expect=(302,)):
        return self.call(
            "POST", path, name, data=fields, expect=expect, headers={"Referer": self.host + path}
        )

    def api(
        self, method: str, path: str, name: str, body: dict | None = None, *, expect=(200, 201), key=False
    ):
        headers = {"X-CSRFToken": self.csrf(), "Referer": self.host + path, "Accept": "application/json"}
        if key:
            headers["Idempotency-Key"] = uuid.uuid4().hex
        if body is not None:
            headers["Content-Type"] = "application/json"
        data = json.dumps(body) if body is not None else None
        return self.call(method, path, name, data=data, headers=headers, expect=expect)

    def resume(self, session_key: str) -> None:
        """Carry on a session opened earlier; the first page sets the CSRF cookie, as in a browser."""
        self.client.cookiejar.set_cookie(
            http.cookiejar.Cookie(
                version=0,
                name="sessionid",
                value=session_key,
                port=None,
                port_specified=False,
                domain=urlsplit(self.host).hostname,
                domain_specified=False,
                domain_initial_dot=False,
                path="/",
                path_specified=True,
                secure=False,
                expires=None,
                discard=True,
                comment=None,
                comment_url=None,
                rest={},
            )
        )
        self.get(self.landing, "landing page")

    def login(self, username: str) -> bool:
        page = self.get("/accounts/login/", "login page")
        form = html_form(page.text or "", with_field="username") or {"fields": {}}
        fields = {**form["fields"], "username": username, "password": CREDENTIALS["password"]}
        response = self.post_form("/accounts/login/", "login (POST)", fields)
        return response.status_code == 302 and "/accounts/login/" not in response.headers.get("Location", "")


class StaffUser(DeskBase):
    """The desk: registers tickets, searches the archive, works the list, acts, takes payments."""

    fixed_count = 60
    landing = "/tickets/"

    def claim(self) -> str:
        row = CREDENTIALS["staff"][_claimed["staff"] % len(CREDENTIALS["staff"])]
        _claimed["staff"] += 1
        self.role = row["role"]
        self.units = CREDENTIALS.get("units") or []
        self.tickets: list[tuple[int, int | None]] = []  # (id, team), newest first
        return row["username"]

    def on_start(self) -> None:
        super().on_start()
        response = self.api("GET", "/api/ticket-categories/", "api: ticket categories")
        try:
            data = response.json()
            rows = data["results"] if isinstance(data, dict) else data
            self.categories = [row["id"] for row in rows][:8]
        except (ValueError, KeyError, TypeError):
            self.categories = []

    def unit(self) -> dict:
        return random.choice(self.units)

    @task(3)
    def register_ticket(self) -> None:
        if self.role == "clerk" or not self.categories or not self.units:
            return self.take_payment()
        response = self.api(
            "POST",
            "/api/tickets/",
            "api: register ticket",
            {
                "kind": "repair",
                "channel": "phone",
                "category": random.choice(self.categories),
                "unit": self.unit()["id"],
                "description": "压测：厨房水龙头漏水",
                "reporter_name": "压测",
                "reporter_phone": "13800138000",
            },
            expect=(201,),
            key=True,
        )
        if response.status_code == 201:
            data = response.json()
            self.tickets = [(data["id"], data.get("team")), *self.tickets][:20]

    @task(3)
    def search(self) -> None:
        if self.role == "clerk":
            self.get(f"/billing/cashier/units.json?q={self.unit()['code']}", "cashier: unit search")
        else:
            self.get(f"/search/?q={self.unit()['code']}", "archive search")

    @task(4)
    def list_tickets(self) -> None:
        if self.role == "clerk":
            self.get(f"/billing/bills/?unit={self.unit()['id']}", "bill list (a unit)")
        else:
            self.get(
                random.choice(["/tickets/", "/tickets/?status=new", "/tickets/?kind=repair"]), "ticket list"
            )

    @task(3)
    def open_ticket(self) -> None:
        if self.role == "clerk":
            self.get("/billing/payments/", "payment list")
        elif self.tickets:
            self.get(f"/tickets/{random.choice(self.tickets)[0]}/", "ticket detail")
        else:
            self.get("/tickets/my-work/", "my work")

    @task(2)
    def act_on_ticket(self) -> None:
        if self.role == "clerk":
            return self.take_payment()
        if not self.tickets:
            return self.list_tickets()
        pk, team = self.tickets.pop()
        if self.role == "supervisor" and team:
            # Dispatch to the category's team, then work it: new → assigned → in progress → resolved.
            assigned = self.api("POST", f"/api/tickets/{pk}/assign/", "api: ticket assign", {"team": team})
            if assigned.status_code != 200:
                return
            started = self.api("POST", f"/api/tickets/{pk}/start/", "api: ticket start", {"note": ""})
            if started.status_code == 200:
                self.api(
                    "POST", f"/api/tickets/{pk}/resolve/", "api: ticket resolve", {"note": "压测：已修好"}
                )
        else:
            self.api(
                "POST",
                f"/api/tickets/{pk}/comments/",
                "api: ticket comment",
                {"body": "压测：已电话联系业主"},
                expect=(200, 201),
            )

    def take_payment(self) -> None:
        self.api(
            "POST",
            "/api/payments/",
            "api: take payment",
            {"unit": self.unit()["id"], "amount": f"{random.randint(10, 300)}.00", "method": "cash"},
            expect=(201,),
            key=True,
        )


class ResidentUser(DeskBase):
    """The portal on a phone: home, bills, report a repair, pay in the simulator."""

    fixed_count = 400
    landing = "/portal/"

    def claim(self) -> str:
        row = CREDENTIALS["residents"][_claimed["residents"] % len(CREDENTIALS["residents"])]
        _claimed["residents"] += 1
        return row["username"]

    def share(self) -> float:
        return 1 - self.environment.parsed_options.staff_share

    @task(5)
    def home(self) -> None:
        self.get("/portal/", "portal home")

    @task(3)
    def bills(self) -> None:
        self.get("/portal/bills/", "portal bills")

    @task(1)
    def my_tickets(self) -> None:
        self.get("/portal/tickets/", "portal tickets")

    @task(1)
    def report_repair(self) -> None:
        page = self.get("/portal/tickets/new/", "portal: report form")
        form = html_form(page.text or "", with_field="description")
        if form is None:
            return
        fields = {**form["fields"], "kind": "repair", "description": "压测：卫生间下水慢"}
        self.post_form("/portal/tickets/new/", "portal: report (POST)", fields)

    @task(1)
    def pay(self) -> None:
        page = self.get("/portal/bills/pay/", "portal: pay page")
        text = page.text or ""
        bills = re.findall(r'name="bill" value="(\d+)"', text)
        form = html_form(text, with_field="idempotency_key")
        if not bills or form is None:
            return
        fields = {**form["fields"], "bill": bills[-1]}
        created = self.post_form("/portal/bills/pay/", "portal: create order (POST)", fields)
        checkout = created.headers.get("Location", "") if created.headers else ""
        if "/simulator/" not in checkout:
            return
        simulator = self.get(checkout, "portal: simulator page")
        form = html_form(simulator.text or "", with_field="csrfmiddlewaretoken")
        if form is None:
            return
        paid = self.post_form(checkout, "portal: simulator pay (POST)", {**form["fields"], "decision": "pay"})
        back = paid.headers.get("Location", "") if paid.headers else ""
        if back:
            self.get(back, "portal: order result")


# --- the shape: ramp, steady, steps ------------------------------------------------------------


class SteadyThenSteps(LoadTestShape):
    """Spawn everyone, hold the steady rate, then step it up; snapshot each phase's statistics."""

    def __init__(self) -> None:
        super().__init__()
        self.phases: list[tuple[str, float, float]] | None = None
        self.phase: tuple[str, float, float] | None = None
        self.phase_end = 0.0
        self.phase_start = 0.0
        self.log: list[dict] = []

    def tick(self):
        options = self.runner.environment.parsed_options
        users = StaffUser.fixed_count + ResidentUser.fixed_count
        if self.phases is None:
            steps = [float(s) for s in str(options.steps).split(",") if s.strip()]
            self.phases = [("steady", options.rate, options.steady_seconds)]
            self.phases += [(f"step_{int(rate):03d}", rate, options.step_seconds) for rate in steps]
        now = time.monotonic()
        if self.phase is None:
            if self.runner.user_count < users:
                return users, options.spawn
            self._next(now)
        elif now >= self.phase_end:
            self._snapshot(options, now)
            if not self.phases:
                return None
            self._next(now)
        return users, options.spawn

    def _next(self, now: float) -> None:
        self.phase = self.phases.pop(0)
        PACE["rps"] = self.phase[1]
        self.phase_start, self.phase_end = now, now + self.phase[2]
        self.runner.environment.stats.reset_all()

    def _snapshot(self, options, now: float) -> None:
        name, rate, _seconds = self.phase
        out = Path(options.out_dir)
        out.mkdir(parents=True, exist_ok=True)
        environment = self.runner.environment
        with (out / f"{name}_stats.csv").open("w", newline="", encoding="utf-8") as f:
            StatsCSV(environment, PERCENTILES_TO_REPORT).requests_csv(csv.writer(f))
        with (out / f"{name}_failures.csv").open("w", newline="", encoding="utf-8") as f:
            StatsCSV(environment, PERCENTILES_TO_REPORT).failures_csv(csv.writer(f))
        self.log.append({"phase": name, "target_rps": rate, "seconds": round(now - self.phase_start, 1)})
        (out / "phases.json").write_text(json.dumps(self.log, indent=1), encoding="utf-8")
