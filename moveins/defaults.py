"""What an estate's move-in configuration starts with: the checklist of DOMAIN.md and the
charges (3 months' property service fee in advance, a key deposit of 200).

This is data, kept in Chinese as the staff write it on the forms the owner signs, and edited
afterwards by the manager in the admin; nothing here is overwritten once an estate has it (a
renamed, retuned or deactivated line stays as the manager left it).

Applied when an estate is created (the hook in `moveins.apps`), by the data migration for the
estates that existed before move-ins, and from `seed_demo`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

# The sections' values of `ChecklistItemTemplate.Section` (spelled out: the migration sees the
# historical model without its choices classes).
DOCUMENTS_CHECKED = "documents_checked"
AGREEMENTS_SIGNED = "agreements_signed"
DOCUMENTS_HANDED_OUT = "documents_handed_out"
ENTRUSTED_SERVICES = "entrusted_services"


@dataclass(frozen=True)
class DefaultChecklistItem:
    section: str
    name: str
    is_id_check: bool = False
    needs_signed_copy: bool = False
    is_required: bool = True


DEFAULT_CHECKLIST: tuple[DefaultChecklistItem, ...] = (
    DefaultChecklistItem(DOCUMENTS_CHECKED, "入伙通知书"),
    DefaultChecklistItem(DOCUMENTS_CHECKED, "购房合同等房屋买卖资料"),
    # Checked against the archive (residents.services.verify_person_id_number), not by eye.
    DefaultChecklistItem(DOCUMENTS_CHECKED, "业主身份证", is_id_check=True),
    DefaultChecklistItem(AGREEMENTS_SIGNED, "业主临时管理规约", needs_signed_copy=True),
    DefaultChecklistItem(AGREEMENTS_SIGNED, "住宅装修管理协议", needs_signed_copy=True),
    DefaultChecklistItem(DOCUMENTS_HANDED_OUT, "房屋验收单"),
    DefaultChecklistItem(DOCUMENTS_HANDED_OUT, "业主手册"),
    DefaultChecklistItem(DOCUMENTS_HANDED_OUT, "入住须知"),
    DefaultChecklistItem(DOCUMENTS_HANDED_OUT, "管理费收缴协议"),
    DefaultChecklistItem(DOCUMENTS_HANDED_OUT, "防火责任书"),
    # 委托代办 (e.g. the gas or broadband account opened for the owner): recorded when asked for.
    DefaultChecklistItem(ENTRUSTED_SERVICES, "委托代办事项", is_required=False),
)

# (kind, name, amount, months): the values of `ChargeRule.Kind`.
SERVICE_MONTHS_IN_ADVANCE = 3
DEFAULT_CHARGES: tuple[tuple[str, str, Decimal, int], ...] = (
    ("service_months", "预收物业服务费（3个月）", Decimal("0.00"), SERVICE_MONTHS_IN_ADVANCE),
    ("deposit", "钥匙押金", Decimal("200.00"), 0),
)


def apply_default_checklist(*, estate_id: int, template_model) -> int:
    """Add the default checklist lines the estate lacks (by section and name); how many added."""
    have = set(template_model.objects.filter(estate_id=estate_id).values_list("section", "name"))
    missing = [
        template_model(
            estate_id=estate_id,
            section=item.section,
            name=item.name,
            is_id_check=item.is_id_check,
            needs_signed_copy=item.needs_signed_copy,
            is_required=item.is_required,
            sort_order=(index + 1) * 10,
        )
        for index, item in enumerate(DEFAULT_CHECKLIST)
        if (item.section, item.name) not in have
    ]
    # ignore_conflicts: two first requests for a new estate at once both find the lines missing.
    template_model.objects.bulk_create(missing, ignore_conflicts=True)
    return len(missing)


def apply_default_charges(*, estate_id: int, rule_model) -> int:
    """Add the default charges the estate lacks (by name), unless it has any charge already (a
    manager who deleted one meant it); how many were added."""
    if rule_model.objects.filter(estate_id=estate_id).exists():
        return 0
    rules = [
        rule_model(
            estate_id=estate_id,
            kind=kind,
            name=name,
            amount=amount,
            months=months,
            sort_order=(index + 1) * 10,
        )
        for index, (kind, name, amount, months) in enumerate(DEFAULT_CHARGES)
    ]
    rule_model.objects.bulk_create(rules, ignore_conflicts=True)
    return len(rules)


def ensure_movein_defaults(estate) -> None:
    """Give the estate the default checklist and charges. Idempotent."""
    from moveins.models import ChargeRule, ChecklistItemTemplate

    apply_default_checklist(estate_id=estate.pk, template_model=ChecklistItemTemplate)
    apply_default_charges(estate_id=estate.pk, rule_model=ChargeRule)
