"""The ticket fixtures the dashboard tests build on."""

from tests.tickets.conftest import maintenance  # noqa: F401  (fixture)
