"""The staff menu lists only pages that exist: an item whose URL name does not resolve is dead code
(it was silently dropped from every page), so it is refused here instead."""

import pytest
from django.urls import reverse

from servicecenter.navigation import STAFF_NAV


@pytest.mark.parametrize("item", STAFF_NAV, ids=lambda item: item.url_name)
def test_every_menu_item_points_to_an_existing_page(item):
    assert reverse(item.url_name).startswith("/")
