"""The key sign-off under the live server (a request thread; SQLite shares the test's
connection): an earlier attempt's POST hung forever there. If it hangs again, faulthandler
prints every thread's stack after 60 s and the request times out instead of blocking the run."""

import faulthandler
import json
import sys
import urllib.request

import pytest

from moveins.models import MoveIn
from residents.models import Occupancy, Unit
from tests.moveins.helpers import walk


@pytest.mark.django_db(transaction=True)
@pytest.mark.urls("tests.moveins.hang_urls")
def test_hand_over_keys_in_a_live_server_request(live_server, ready, owner, desk, manager):
    move_in = walk(unit=ready, owner=owner, desk=desk, manager=manager, to="keys")
    faulthandler.dump_traceback_later(60, exit=False, file=sys.stderr)
    try:
        request = urllib.request.Request(
            f"{live_server.url}/hand-over/{move_in.pk}/{desk.pk}/", data=b"", method="POST"
        )
        with urllib.request.urlopen(request, timeout=90) as response:
            answer = json.loads(response.read())
    finally:
        faulthandler.cancel_dump_traceback_later()
    assert answer == {"status": "completed"}
    assert MoveIn.objects.get(pk=move_in.pk).status == MoveIn.Status.COMPLETED
    assert Unit.objects.get(pk=ready.pk).state == Unit.State.HANDED_OVER
    assert Occupancy.objects.filter(unit=ready, person=owner, role=Occupancy.Role.OWNER).exists()
