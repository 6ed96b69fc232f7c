from tickets.api.views import CallbackViewSet, TicketCategoryViewSet, TicketViewSet

ROUTES = [
    ("tickets", TicketViewSet, "ticket"),
    ("ticket-categories", TicketCategoryViewSet, "ticket-category"),
    ("callbacks", CallbackViewSet, "callback"),
]
