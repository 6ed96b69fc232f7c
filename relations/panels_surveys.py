"""The surveys' panel on the portal home: the surveys the resident may answer today."""

from __future__ import annotations

from django.utils import timezone

from relations.selectors.surveys import open_surveys_for_resident, open_surveys_of_resident_estates


def portal_surveys_context(request, user) -> dict:
    return {"open_surveys": open_surveys_for_resident(user, today=timezone.localdate())}


def portal_surveys_probe(user) -> list:
    return [open_surveys_of_resident_estates(user, today=timezone.localdate())]


def register() -> None:
    # Importing the declaration registers the survey workflow (servicecenter.workflow.REGISTRY)
    # for the pages and the generic workflow tests, beside the notices' relations.workflows.
    import relations.workflows_surveys  # noqa: F401
    from servicecenter.panels import register_portal_panel

    register_portal_panel(
        order=50,
        template="relations/surveys/_portal_panel.html",
        context=portal_surveys_context,
        probe=portal_surveys_probe,
    )
