"""A test-only URL that hands over the keys of a move-in, so that a test can run the service the
way the live server does (a request thread of pytest-django's live server)."""

from django.http import JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from moveins import services
from moveins.models import MoveIn


@csrf_exempt
def hand_over(request, pk: int, user_pk: int):
    from django.contrib.auth import get_user_model

    actor = get_user_model().objects.get(pk=user_pk)
    move_in = services.hand_over_keys(
        move_in=MoveIn.objects.get(pk=pk), actor=actor, keys=[("入户门钥匙", 2)], signed_by="王建国"
    )
    return JsonResponse({"status": move_in.status})


urlpatterns = [path("hand-over/<int:pk>/<int:user_pk>/", hand_over)]
