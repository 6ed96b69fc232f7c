from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from servicecenter.paging import paginate
from staff import services
from staff.models import Notification


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    notifications = Notification.objects.filter(recipient=request.user).order_by("-created_at")
    page = paginate(request, notifications, per_page=30)
    return render(request, "staff/notification_list.html", {"page": page})


@login_required
@require_POST
def notifications_mark_read(request: HttpRequest) -> HttpResponse:
    services.mark_notifications_read(user=request.user)
    return redirect("staff:notifications")
