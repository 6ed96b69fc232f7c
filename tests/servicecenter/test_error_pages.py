"""The 404 and 403 pages speak the user's language (Django's own are bare English)."""

import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db


@override_settings(DEBUG=False)
@pytest.mark.parametrize(("lang", "text"), [("zh-hans", "找不到"), ("en", "Not found")])
def test_not_found_page_is_translated(client, users, lang, text):
    client.force_login(users["frontdesk"])
    response = client.get("/tickets/999999/", HTTP_ACCEPT_LANGUAGE=lang)
    assert response.status_code == 404
    assert text in response.content.decode()


@override_settings(DEBUG=False)
@pytest.mark.parametrize(("lang", "text"), [("zh-hans", "无权"), ("en", "Not allowed")])
def test_forbidden_page_is_translated(client, users, lang, text):
    client.force_login(users["technician"])  # staff without the permission: 403, not 404
    response = client.get("/billing/cashier/", HTTP_ACCEPT_LANGUAGE=lang)
    assert response.status_code == 403
    assert text in response.content.decode()
