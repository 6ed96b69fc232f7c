from tickets.api.views import (
    CallbackViewSet,
    PublicLocationViewSet,
    RootCauseViewSet,
    TicketCategoryViewSet,
    TicketViewSet,
)

ROUTES = [
    ("tickets", TicketViewSet, "ticket"),
    ("ticket-categories", TicketCategoryViewSet, "ticket-category"),
    ("callbacks", CallbackViewSet, "callback"),
    ("locations", PublicLocationViewSet, "public-location"),
    ("root-causes", RootCauseViewSet, "root-cause"),
]
