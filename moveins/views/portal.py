"""The owner's move-in in the resident portal: its status, the appointment (booking, changing and
cancelling a slot of the batch), the checklist's progress, what is owed, the defects and their
repair, and the rating of the handover once it is complete. Only the owner's own (404 otherwise),
also before the handover, when the owner occupies no unit yet (`moveins.panels.has_pending_move_in`)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from moveins import page_selectors, selectors, services
from moveins.forms import RatingForm
from moveins.models import MoveIn, MoveInSlot
from servicecenter.exceptions import DomainError
from servicecenter.portal import portal_page


@portal_page
@require_GET
def portal_move_ins(request: HttpRequest) -> HttpResponse:
    move_ins = page_selectors.move_ins_for_portal(user=request.user)
    for move_in in move_ins:
        move_in.owed = selectors.charges_outstanding(move_in) if move_in.status in MoveIn.OPEN else []
    return render(request, "portal/moveins_list.html", {"move_ins": move_ins})


@portal_page
@require_GET
def portal_move_in(request: HttpRequest, pk: int) -> HttpResponse:
    move_in = page_selectors.move_in_for_portal(user=request.user, pk=pk)
    owed = selectors.charges_outstanding(move_in) if move_in.status in MoveIn.OPEN else []
    return render(
        request,
        "portal/moveins_detail.html",
        {
            "m": move_in,
            "owed": owed,
            "defects": list(move_in.defects.all()),
            "keys": list(move_in.keys.all()),
            "may_rate": move_in.status == MoveIn.Status.COMPLETED,
            "slots": page_selectors.bookable_slots(move_in=move_in, now=timezone.now()),
            "checklist": list(move_in.checklist.all()),
            "progress": page_selectors.checklist_progress(move_in),
            "form": RatingForm(
                initial={"score": move_in.satisfaction or 5, "comment": move_in.satisfaction_comment}
            ),
        },
    )


@portal_page
@require_POST
def portal_move_in_rate(request: HttpRequest, pk: int) -> HttpResponse:
    move_in = page_selectors.move_in_for_portal(user=request.user, pk=pk)
    form = RatingForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(m) for errors in form.errors.values() for m in errors))
        return redirect("portal:move_in", pk=pk)
    try:
        services.rate_handover(
            move_in=move_in,
            actor=request.user,
            score=form.cleaned_data["score"],
            comment=form.cleaned_data["comment"],
        )
    except (DomainError, PermissionDenied) as error:
        messages.error(request, getattr(error, "message", None) or str(error))
    else:
        messages.success(request, _("Thank you for rating the handover."))
    return redirect("portal:move_in", pk=pk)


@portal_page
@require_POST
def portal_move_in_book(request: HttpRequest, pk: int) -> HttpResponse:
    """Book the slot chosen (or change to it); a full slot is refused by the service under its
    row lock, with the reason shown."""
    move_in = page_selectors.move_in_for_portal(user=request.user, pk=pk)
    slot_id = request.POST.get("slot", "")
    slot = None
    if slot_id.isdigit():
        # Only a slot the page offered: the move-in's batch, or a batch that takes the unit.
        offered = {s.pk for s in page_selectors.bookable_slots(move_in=move_in, now=timezone.now())}
        if int(slot_id) in offered:
            slot = MoveInSlot.objects.filter(pk=int(slot_id)).first()
    if slot is None:
        messages.error(request, _("Choose one of the appointment slots offered."))
        return redirect("portal:move_in", pk=pk)
    try:
        services.book_slot(actor=request.user, move_in=move_in, slot=slot)
    except (DomainError, PermissionDenied) as error:
        messages.error(request, getattr(error, "message", None) or str(error))
    else:
        messages.success(
            request,
            _("Your appointment is booked: %(time)s.")
            % {"time": f"{timezone.localtime(slot.starts_at):%Y-%m-%d %H:%M}"},
        )
    return redirect("portal:move_in", pk=pk)


@portal_page
@require_POST
def portal_move_in_cancel_booking(request: HttpRequest, pk: int) -> HttpResponse:
    move_in = page_selectors.move_in_for_portal(user=request.user, pk=pk)
    try:
        services.cancel_booking(actor=request.user, move_in=move_in)
    except (DomainError, PermissionDenied) as error:
        messages.error(request, getattr(error, "message", None) or str(error))
    else:
        messages.success(request, _("Your appointment is cancelled; book another slot when it suits you."))
    return redirect("portal:move_in", pk=pk)
