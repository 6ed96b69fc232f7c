"""What an estate's renovation configuration starts with: the scope items staff choose from, the
rules (hours, charges, inspection days) and China's public holidays (法定节假日).

This is data, kept in Chinese as the staff write it on forms and permits, and edited afterwards by
the manager in the admin; nothing here is overwritten once an estate has it (a renamed, retuned
or deactivated item stays as the manager left it).

Applied by `ensure_renovation_defaults` from the data migration (estates that existed before
renovations), from `seed_demo`, and, for scope items, when an estate is created (the hook in
`renovations.apps`). The rules need no row to work: `selectors.rules_for` falls back to the
model's defaults, which are the ones below.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

# Why an item is regular (常规) or not (非常规) follows the issue: walls and structure,
# plumbing and gas, facade and windows, and waterproofing need the engineering supervisor's review.


@dataclass(frozen=True)
class DefaultScopeItem:
    name: str
    area: str
    is_regular: bool
    is_noisy: bool
    description: str = ""


DEFAULT_SCOPE_ITEMS: tuple[DefaultScopeItem, ...] = (
    DefaultScopeItem("墙面粉刷/涂料", "finishing", is_regular=True, is_noisy=False),
    DefaultScopeItem(
        "地面铺贴", "finishing", is_regular=True, is_noisy=True, description="瓷砖、石材切割属噪音作业"
    ),
    DefaultScopeItem("吊顶", "finishing", is_regular=True, is_noisy=True),
    DefaultScopeItem("木作/家具安装", "fittings", is_regular=True, is_noisy=True),
    DefaultScopeItem(
        "灯具/开关插座更换", "electrical", is_regular=True, is_noisy=False, description="不改动线路"
    ),
    # Outdoor units go where the building provides for them (空调位, the sleeve through the
    # wall): that leaves the facade as designed. A new hole through an outer wall or a unit hung
    # elsewhere is a facade change and is applied for as 门窗更换/封阳台 or 拆改非承重墙.
    DefaultScopeItem(
        "空调安装",
        "facade_windows",
        is_regular=True,
        is_noisy=True,
        description="限预留空调位及预留孔；新开外墙孔洞须另报审批",
    ),
    DefaultScopeItem(
        "水电改造",
        "plumbing_gas",
        is_regular=False,
        is_noisy=True,
        description="改动给排水管道，须提交管线图",
    ),
    DefaultScopeItem(
        "燃气管道改动",
        "plumbing_gas",
        is_regular=False,
        is_noisy=False,
        description="须由燃气公司施工，业主自行不得改动",
    ),
    # Rewiring is not in the list, but it is non-regular here: new circuits are cut into
    # walls and floor slabs (a channel across a load-bearing wall is forbidden), and a larger load
    # on the household's supply is a fire risk the engineering supervisor checks on the drawings.
    DefaultScopeItem(
        "电路改造",
        "electrical",
        is_regular=False,
        is_noisy=True,
        description="改动强电线路、配电箱或增容，须提交电路图",
    ),
    DefaultScopeItem(
        "拆改非承重墙",
        "structure",
        is_regular=False,
        is_noisy=True,
        description="严禁拆改承重墙、梁、柱、楼板",
    ),
    DefaultScopeItem(
        "门窗更换/封阳台",
        "facade_windows",
        is_regular=False,
        is_noisy=True,
        description="须符合小区外立面统一规定",
    ),
    DefaultScopeItem(
        "卫生间/厨房防水",
        "waterproofing",
        is_regular=False,
        is_noisy=False,
        description="完工后须做闭水试验（48小时）",
    ),
)

# The values of `RenovationRules`' field defaults, spelled out so that the migration (which sees
# the historical model) and the rules printed on a new estate's permit agree.
DEFAULT_RULES: dict[str, object] = {
    "weekday_hours": "08:00-12:00,14:00-18:00",
    "weekend_hours": "09:00-12:00,14:00-17:00",
    "noisy_work_at_weekends": False,
    "noisy_work_on_holidays": False,
    "deposit_amount": Decimal("3000.00"),
    "rubbish_fee": Decimal("500.00"),
    "pass_card_fee": Decimal("10.00"),
    "second_inspection_days": 90,
    "max_duration_days": 180,
    "rules_text": (
        "1. 请在许可时间内施工，周末及法定节假日禁止噪音作业。\n"
        "2. 严禁拆改承重墙、梁、柱、楼板，严禁改变房屋外立面。\n"
        "3. 装修垃圾须袋装并于指定时间运至指定地点，严禁堆放在楼道及公共区域。\n"
        "4. 施工人员凭装修出入证出入，不得在施工现场留宿。\n"
        "5. 动火作业须提前报物业备案，现场配备灭火器。\n"
        "6. 违反以上规定的，物业有权责令停工整改，并按《住宅装修管理协议》扣除装修押金。"
    ),
}

# Every day off of the State Council's arrangement (国务院办公厅关于2026年部分节假日安排的通知):
# the holidays with the weekends and swapped days around them, when residents are at home.
# Swapped working days (调休上班: 1月4日, 2月14日, 2月28日, 5月9日, 9月20日, 10月10日) are
# ordinary working days for renovation and are not listed.
_HOLIDAYS_2026: tuple[tuple[str, tuple[date, date]], ...] = (
    ("元旦", (date(2026, 1, 1), date(2026, 1, 3))),
    ("春节", (date(2026, 2, 15), date(2026, 2, 23))),
    ("清明节", (date(2026, 4, 4), date(2026, 4, 6))),
    ("劳动节", (date(2026, 5, 1), date(2026, 5, 5))),
    ("端午节", (date(2026, 6, 19), date(2026, 6, 21))),
    ("中秋节", (date(2026, 9, 25), date(2026, 9, 27))),
    ("国庆节", (date(2026, 10, 1), date(2026, 10, 7))),
)
# 2027: the statutory days themselves (全体公民放假的节日, as amended in 2024: New Year 1, Spring
# Festival 4 from New Year's Eve, Qingming 1, Labour Day 2, Dragon Boat 1, Mid-Autumn 1, National
# Day 3), by the 2027 lunar calendar. The State Council publishes the bridging days each
# November; the manager adds them in the admin then (the names say which ones are these).
_HOLIDAYS_2027: tuple[tuple[str, tuple[date, date]], ...] = (
    ("元旦", (date(2027, 1, 1), date(2027, 1, 1))),
    ("春节", (date(2027, 2, 5), date(2027, 2, 8))),
    ("清明节", (date(2027, 4, 5), date(2027, 4, 5))),
    ("劳动节", (date(2027, 5, 1), date(2027, 5, 2))),
    ("端午节", (date(2027, 6, 9), date(2027, 6, 9))),
    ("中秋节", (date(2027, 9, 15), date(2027, 9, 15))),
    ("国庆节", (date(2027, 10, 1), date(2027, 10, 3))),
)


def _days(periods) -> list[tuple[date, str]]:
    days: list[tuple[date, str]] = []
    for name, (first, last) in periods:
        for ordinal in range(first.toordinal(), last.toordinal() + 1):
            days.append((date.fromordinal(ordinal), name))
    return days


# (date, name) for every estate (PublicHoliday.estate empty).
DEFAULT_PUBLIC_HOLIDAYS: tuple[tuple[date, str], ...] = tuple(_days(_HOLIDAYS_2026) + _days(_HOLIDAYS_2027))


def apply_default_scope_items(*, estate_id: int, scope_item_model) -> int:
    """Add the default scope items the estate lacks (by name); returns how many were added."""
    have = set(scope_item_model.objects.filter(estate_id=estate_id).values_list("name", flat=True))
    missing = [
        scope_item_model(
            estate_id=estate_id,
            name=item.name,
            area=item.area,
            is_regular=item.is_regular,
            is_noisy=item.is_noisy,
            description=item.description,
            sort_order=(index + 1) * 10,
        )
        for index, item in enumerate(DEFAULT_SCOPE_ITEMS)
        if item.name not in have
    ]
    # ignore_conflicts: two first requests for a new estate at once both find the names missing.
    scope_item_model.objects.bulk_create(missing, ignore_conflicts=True)
    return len(missing)


def apply_default_rules(*, estate_id: int, rules_model) -> bool:
    """Give the estate its rules row unless it has one; True when it was created."""
    _rules, created = rules_model.objects.get_or_create(estate_id=estate_id, defaults=DEFAULT_RULES)
    return created


def apply_default_holidays(*, holiday_model) -> int:
    """Add the public holidays for every estate that are not there yet; returns how many."""
    have = set(holiday_model.objects.filter(estate__isnull=True).values_list("date", flat=True))
    missing = [holiday_model(estate=None, date=day, name=name) for day, name in DEFAULT_PUBLIC_HOLIDAYS]
    missing = [holiday for holiday in missing if holiday.date not in have]
    holiday_model.objects.bulk_create(missing)
    return len(missing)


def ensure_renovation_defaults(estate) -> None:
    """Give the estate the default scope items and rules, and the public holidays every estate
    shares. Idempotent: what exists, as the manager may have changed it, is left alone."""
    from renovations.models import PublicHoliday, RenovationRules, ScopeItem

    apply_default_scope_items(estate_id=estate.pk, scope_item_model=ScopeItem)
    apply_default_rules(estate_id=estate.pk, rules_model=RenovationRules)
    apply_default_holidays(holiday_model=PublicHoliday)
