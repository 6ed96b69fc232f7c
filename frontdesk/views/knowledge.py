"""The desk knowledge base's search endpoint, read by the drawer on every staff page
(static/js/knowledge.js): the matches as JSON, at most twenty."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from frontdesk.models import KnowledgeEntry
from frontdesk.selectors import SEARCH_LIMIT, search_knowledge
from servicecenter.desk import desk_page


@desk_page("frontdesk.view_knowledgeentry")
@require_GET
def knowledge_search(request: HttpRequest) -> JsonResponse:
    q = (request.GET.get("q") or "")[:100]
    language = request.GET.get("language") or ("en" if (get_language() or "").startswith("en") else "zh-hans")
    if language not in KnowledgeEntry.Language.values:
        language = ""
    topic = request.GET.get("topic") or ""
    if topic not in KnowledgeEntry.Topic.values:
        topic = ""
    rows = search_knowledge(user=request.user, q=q, language=language, topic=topic)[:SEARCH_LIMIT]
    return JsonResponse(
        {
            "results": [
                {
                    "id": e.pk,
                    "title": e.title,
                    "body": e.body,
                    "topic": e.get_topic_display(),
                    "kind": e.kind,
                }
                for e in rows
            ]
        }
    )
