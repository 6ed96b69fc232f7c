"""The relations API: each area adds its viewsets here."""

from relations.api.notices import CommunityEventViewSet, NoticeViewSet

ROUTES: list = [
    ("notices", NoticeViewSet, "notice"),
    ("community-events", CommunityEventViewSet, "community-event"),
]
