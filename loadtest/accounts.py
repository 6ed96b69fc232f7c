"""The load test's logins: staff on the demo estates and residents on existing occupied units.

Idempotent: a second run finds the same users and links, and only resets their password. Run
after `manage.py seed_demo`, inside a configured Django (`loadtest.run` does both):

    python -m loadtest.accounts --staff 60 --residents 400 --out var/loadtest/credentials.json

One password hash is made and stored on every account: hashing is slow on purpose (PBKDF2), and
460 of them would take minutes.

Most load users start from a session opened here (`open_sessions`), as people who logged in earlier
in the week do: 460 logins through the form within two minutes are 460 PBKDF2 hashes (about half a
second of CPU each at Django's million iterations), which no real morning brings and which would
measure the hash instead of the site. A share of the users (`--form-logins`) still log in through
the form, so the login is measured too.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

STAFF_ROLES = ("frontdesk", "supervisor", "clerk")  # the desk, the shift, the cashier, in turn
DEFAULT_PASSWORD = "load-test-12345"


def staff_username(i: int) -> str:
    return f"load-staff-{i:03d}"


def resident_username(i: int) -> str:
    return f"load-resident-{i:03d}"


def make_accounts(*, staff: int, residents: int, password: str = DEFAULT_PASSWORD) -> dict:
    """Create (or refresh) the accounts; returns what the locustfile needs to log in and work."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.db import transaction

    from residents.models import Estate, Occupancy, Person, Unit
    from staff.models import StaffProfile, Team

    user_model = get_user_model()
    hashed = make_password(password)
    estates = list(Estate.objects.order_by("pk"))
    if not estates:
        raise SystemExit("No estates: run `manage.py seed_demo` first.")
    groups = {g.name: g for g in Group.objects.filter(name__in=[*STAFF_ROLES, "resident"])}
    with transaction.atomic():
        staff_rows = []
        for i in range(1, staff + 1):
            role = STAFF_ROLES[(i - 1) % len(STAFF_ROLES)]
            user = _user(user_model, staff_username(i), hashed, groups[role], full_name=f"压测{role}{i:03d}")
            profile, _ = StaffProfile.objects.get_or_create(user=user)
            profile.estates.set(estates)
            profile.team = Team.objects.filter(estate=estates[0], kind=Team.Kind.CUSTOMER_SERVICE).first()
            profile.save()
            staff_rows.append({"username": user.username, "role": role})

        resident_rows = []
        linked_persons = {
            p.user.username: p
            for p in Person.objects.filter(user__username__startswith="load-resident-").select_related("user")
        }
        taken = {p.pk for p in linked_persons.values()}
        free = (
            Occupancy.objects.current()
            .filter(person__user__isnull=True)
            .exclude(person_id__in=taken)
            .order_by("unit__estate_id", "unit_id", "role", "pk")
            .values_list("person_id", flat=True)
        )
        free_persons = iter(dict.fromkeys(free))  # one login per person, in unit order
        for i in range(1, residents + 1):
            username = resident_username(i)
            person = linked_persons.get(username)
            if person is None:
                person_id = next(free_persons, None)
                if person_id is None:
                    break  # fewer occupied units than asked for: the file says how many there are
                person = Person.objects.get(pk=person_id)
            user = _user(user_model, username, hashed, groups["resident"], full_name=person.name)
            if person.user_id != user.pk:
                person.user = user
                person.save(update_fields=["user"])
            resident_rows.append({"username": username})

    units = list(
        Unit.objects.filter(estate=estates[0], occupancies__isnull=False)
        .distinct()
        .order_by("pk")
        .values("id", "code")[:300]
    )
    return {"password": password, "staff": staff_rows, "residents": resident_rows, "units": units}


def _user(user_model, username: str, hashed: str, group, *, full_name: str):
    user, _ = user_model.objects.get_or_create(username=username)
    user.password = hashed
    user.first_name = full_name
    user.is_active = True
    user.save()
    user.groups.set([group])
    return user


def open_sessions(usernames: list[str]) -> dict[str, str]:
    """A logged-in session for each user, as `django.contrib.auth.login` would store it (user,
    backend, session auth hash); returns {username: session key}."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model

    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    backend = "servicecenter.authentication.StampedModelBackend"
    keys = {}
    for user in get_user_model().objects.filter(username__in=usernames):
        session = store_class()
        session[SESSION_KEY] = user._meta.pk.value_to_string(user)
        session[BACKEND_SESSION_KEY] = backend
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        keys[user.username] = session.session_key
    return keys


def write_credentials(data: dict, out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    return out


def main() -> None:
    import django

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--staff", type=int, default=60)
    parser.add_argument("--residents", type=int, default=400)
    parser.add_argument("--password", default=DEFAULT_PASSWORD)
    parser.add_argument("--out", type=Path, default=Path("var/loadtest/credentials.json"))
    args = parser.parse_args()
    django.setup()
    data = make_accounts(staff=args.staff, residents=args.residents, password=args.password)
    data["sessions"] = open_sessions([row["username"] for row in data["staff"] + data["residents"]])
    write_credentials(data, args.out)
    print(f"{len(data['staff'])} staff, {len(data['residents'])} residents → {args.out}")


if __name__ == "__main__":
    main()
