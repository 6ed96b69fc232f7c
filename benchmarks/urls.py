from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpResponse
from django.urls import include, path


@login_required
def floor(request):
    """The floor: authenticates the same user as the measured views and runs one query."""
    exists = User.objects.filter(pk=request.user.pk).exists()
    return HttpResponse("ok" if exists else "no")


urlpatterns = [
    path("bench/floor/", floor, name="bench-floor"),
    path("", include("servicecenter.urls")),
]
