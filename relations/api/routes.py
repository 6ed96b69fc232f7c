"""The relations API: each area adds its viewsets here."""

ROUTES: list = []
