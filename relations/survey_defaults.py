"""The survey templates a company starts with: the quarterly owner evaluation form (业主评议表),
which the service centre hands out every quarter "to learn the quality of its service" (the
centre's duty documents, /work/shared/seeds/). Its questions follow the service the centre is
judged on (DOMAIN.md): the reception, repairs, complaints and callbacks, each team's work, the
fees, notices and events, and overall satisfaction; then the owner's own words.

Applied by the data migration and by `seed_demo` (`ensure_default_survey_templates`); nothing
here overwrites a template a manager has edited (matched by code).
"""

from __future__ import annotations

QUARTERLY_CODE = "owner-evaluation-quarterly"

# (kind, zh, en, required)
QUARTERLY_QUESTIONS: tuple[tuple[str, str, str, bool], ...] = (
    ("scale", "客服中心接待服务（态度、效率）", "Service at the service centre (attitude, efficiency)", True),
    ("scale", "报事报修处理的及时性与维修质量", "Timeliness of repairs and the quality of the work", True),
    ("scale", "投诉处理与回访", "How complaints are handled and followed up by callback", True),
    ("scale", "公共区域清洁卫生（保洁）", "Cleanliness of the common areas (cleaning)", True),
    ("scale", "秩序维护与安全管理（安管）", "Order and security (security team)", True),
    ("scale", "绿化养护（绿化）", "Care of the gardens and greenery (landscaping)", True),
    (
        "scale",
        "公共设施设备维护（电梯、照明、门禁等）",
        "Upkeep of shared facilities (elevators, lighting, access control)",
        True,
    ),
    ("scale", "收费的规范与透明", "Fees charged correctly and transparently", True),
    ("scale", "管理通告与社区文化活动", "Notices and community events", True),
    ("scale", "对物业服务的总体满意度", "Overall satisfaction with the property service", True),
    ("text", "您对我们的意见和建议", "Your comments and suggestions", False),
)

DEFAULT_TEMPLATES = (
    {
        "code": QUARTERLY_CODE,
        "title": "业主评议表（季度）",
        "title_en": "Owner evaluation form (quarterly)",
        "intro": "为了解我们的服务质量，请您对本季度的物业服务进行评分：1 分为很不满意，5 分为非常满意。",
        "intro_en": (
            "To learn how well we serve you, please score this quarter's property service: "
            "1 is very dissatisfied, 5 is very satisfied."
        ),
        "questions": QUARTERLY_QUESTIONS,
    },
)


def ensure_default_survey_templates(*, template_model=None, question_model=None) -> int:
    """Create the default templates that are missing (by code) with their questions; returns how
    many were created. The data migration passes its historical models."""
    if template_model is None or question_model is None:
        from relations.models import SurveyTemplate, SurveyTemplateQuestion

        template_model, question_model = SurveyTemplate, SurveyTemplateQuestion
    created = 0
    for spec in DEFAULT_TEMPLATES:
        template, is_new = template_model.objects.get_or_create(
            code=spec["code"],
            defaults={k: spec[k] for k in ("title", "title_en", "intro", "intro_en")},
        )
        if not is_new:
            continue
        created += 1
        question_model.objects.bulk_create(
            question_model(
                template=template, position=index, kind=kind, text=zh, text_en=en, is_required=required
            )
            for index, (kind, zh, en, required) in enumerate(spec["questions"], start=1)
        )
    return created
