"""Intake suggestions: how often the suggester is right, and how fast it answers.

Accuracy: generated Chinese descriptions in the ways residents phrase requests of each default
category (with the overlaps that make it hard: 漏水 is plumbing or a leak, 装修 noise or a
renovation question, and 5% of labels "wrong" as staff sometimes file them), split 80/20 with a
fixed seed; top-1 and top-3 category accuracy on the held-out fifth. Latency: the API on the bench
estate with a model stored from the training part, and the selector alone, warm and cold.
"""

from __future__ import annotations

import random
import statistics
import time

from django.utils import timezone

from staff.models import Team
from tickets import selectors, services
from tickets.models import SuggestionModel, Ticket, TicketCategory
from tickets.suggestions import IntakeModel

SAMPLES = 5000
HELD_OUT_SHARE = 0.2
MISFILED_SHARE = 0.05
SEED = 12

PLACES = [
    "厨房",
    "卫生间",
    "客厅",
    "主卧",
    "阳台",
    "楼道",
    "3栋2单元",
    "5号楼",
    "地下车库B1",
    "大堂",
    "电梯厅",
    "小区东门",
    "中心花园",
    "会所门口",
    "",
]
OPENERS = ["", "", "业主来电反映", "您好，", "住户说", "麻烦看一下，", "报修：", "投诉："]
CLOSERS = [
    "",
    "",
    "，请尽快处理",
    "，麻烦派人来看看",
    "，已经好几天了",
    "，很着急",
    "。谢谢",
    "，第二次反映了",
]

# category code -> (what, what happens to it)
PHRASES: dict[str, tuple[list[str], list[str]]] = {
    "plumbing": (
        ["下水道", "马桶", "水龙头", "洗手盆", "热水器进水阀", "地漏", "花洒", "水管接头", "洗菜池"],
        ["堵塞", "堵了排不下去", "关不紧", "一直滴水", "出水很小", "漏水", "返臭味", "冲不下去"],
    ),
    "electrical": (
        ["插座", "走廊灯", "空开", "楼道声控灯", "客厅灯", "电表箱", "开关面板", "路灯"],
        ["没电", "不亮", "频繁跳闸", "失灵", "冒火花", "一闪一闪", "烧坏了", "有焦味"],
    ),
    "water_leak": (
        ["天花板", "外墙", "阳台顶", "墙角", "窗台", "楼上", "水管"],
        ["渗水", "漏水", "往下滴水", "反水", "爆裂漏水", "有水渍发霉", "渗水到家里"],
    ),
    "safety_facility": (
        ["消防栓", "灭火器", "应急灯", "烟感报警器", "消防通道", "疏散指示牌", "消防门"],
        ["玻璃破损", "过期了", "不亮", "误报", "被堵住", "损坏", "乱响"],
    ),
    "elevator": (
        ["电梯", "3号电梯", "货梯", "电梯按钮", "电梯门", "电梯轿厢"],
        ["异响", "失灵", "困人", "关不上", "停在楼层不动", "抖得厉害", "显示屏黑了"],
    ),
    "doors_locks": (
        ["单元门禁", "入户门锁", "锁芯", "防火门闭门器", "门禁卡", "单元门", "信报箱锁"],
        ["刷卡无反应", "卡住打不开", "损坏", "关不严", "失灵", "坏了进不去"],
    ),
    "public_cleaning": (
        ["楼道", "垃圾桶", "地下车库", "电梯轿厢", "大堂地面", "垃圾站", "楼梯扶手"],
        ["有垃圾未清理", "满溢", "有积水", "有污渍", "很脏", "有异味", "没人打扫"],
    ),
    "security": (
        ["陌生人", "车库道闸", "监控摄像头", "小区围墙", "可疑人员", "外卖电动车"],
        ["尾随进入单元", "无法抬杆", "损坏", "被翻越", "在楼道徘徊", "乱闯小区"],
    ),
    "landscaping": (
        ["草坪", "树枝", "绿化带", "花坛", "大树", "灌木"],
        ["需要修剪", "遮挡窗户", "浇水管破裂", "有虫害", "枯死了", "长得太高挡光"],
    ),
    "noise": (
        ["楼上", "隔壁", "广场舞", "楼下商铺", "装修", "空调外机"],
        ["深夜噪音", "很吵", "音乐太大声", "周末早上噪音扰民", "半夜还在响", "噪音太大"],
    ),
    "parking": (
        ["车位", "访客车辆", "消防通道", "车库入口", "充电车位"],
        ["被他人占用", "乱停", "被车堵住", "停满了", "被燃油车占用"],
    ),
    "neighbour_dispute": (
        ["邻居", "对门", "楼上住户", "隔壁业主"],
        ["在楼道堆放杂物", "的宠物扰民", "空调滴水到阳台", "狗随地大小便", "私自占用公共区域"],
    ),
    "fees": (
        ["物业费账单", "发票", "水电费", "停车费", "预存款", "缴费记录"],
        ["有疑问", "需要开具", "金额异常", "多扣了", "查不到", "怎么退款"],
    ),
    "renovation": (
        ["装修审批", "装修垃圾", "装修押金", "装修施工", "装修队"],
        ["流程咨询", "需要清运", "退还进度", "超时施工", "手续怎么办", "要办出入证"],
    ),
    "other": (
        ["快递柜", "社区活动", "健身器材", "门口信箱", "小区公告"],
        ["无法取件", "咨询", "建议增加", "建议更换", "想了解一下"],
    ),
}


def generate(rng: random.Random, count: int) -> list[tuple[str, str]]:
    """(description, category code) pairs, a share of them misfiled."""
    codes = sorted(PHRASES)
    rows = []
    for _ in range(count):
        code = rng.choice(codes)
        things, troubles = PHRASES[code]
        text = (
            rng.choice(OPENERS)
            + rng.choice(PLACES)
            + rng.choice(things)
            + rng.choice(troubles)
            + rng.choice(CLOSERS)
        )
        label = rng.choice(codes) if rng.random() < MISFILED_SHARE else code
        rows.append((text, label))
    return rows


def accuracy(model: IntakeModel, held_out: list[tuple[str, int]]) -> tuple[float, float, float]:
    """Top-1 and top-3 share correct, and the median milliseconds per ranking."""
    top1 = top3 = 0
    timings = []
    for text, label in held_out:
        started = time.perf_counter()
        ranked, _ = model.rank(text, limit=3)
        timings.append((time.perf_counter() - started) * 1000)
        labels = [r.label for r in ranked]
        top1 += labels[:1] == [label]
        top3 += label in labels
    return top1 / len(held_out), top3 / len(held_out), statistics.median(timings)


def run(bench) -> None:
    bench.section("Intake suggestions")
    estate = bench.data["estate"]
    users = bench.data["users"]
    categories = dict(TicketCategory.objects.values_list("code", "pk"))
    teams = {}
    for team in Team.objects.filter(estate=estate).order_by("pk"):
        teams.setdefault(team.kind, team.pk)
    kind_of = dict(TicketCategory.objects.values_list("pk", "team_kind"))

    rng = random.Random(SEED)
    # Not scaled: the accuracy figures stay comparable between runs of any size.
    rows = [(text, categories[code]) for text, code in generate(rng, SAMPLES)]
    cut = int(len(rows) * (1 - HELD_OUT_SHARE))
    training, held_out = rows[:cut], rows[cut:]
    examples = [(text, cat, teams.get(kind_of[cat])) for text, cat in training]
    _, model = bench.time_call(
        f"train on {len(training):,} generated tickets", lambda: IntakeModel.fit(examples)
    )
    top1, top3, rank_ms = accuracy(model, held_out)
    bench.note(
        f"held-out {len(held_out):,} descriptions: top-1 accuracy {top1:.1%}, top-3 accuracy {top3:.1%} "
        f"(model alone {rank_ms:.2f} ms median)"
    )

    finished = Ticket.objects.filter(estate=estate, status__in=Ticket.FINISHED).count()
    if finished:
        bench.time_call(
            f"train from the estate's history ({finished:,} finished)",
            lambda: services.train_suggestion_model(estate_id=estate.pk),
        )
    payload = model.dumps()
    bench.note(f"stored model of the generated history: {len(payload) / 1024:.0f} KiB")
    SuggestionModel.objects.update_or_create(
        estate=estate,
        defaults={
            "trained_at": timezone.now(),
            "ticket_count": len(training),
            "category_count": len(set(cat for _, cat in training)),
            "payload": payload,
        },
    )

    started = time.perf_counter()
    selectors.intake_suggestions(estate=estate, description="卫生间马桶堵了")
    bench.note(
        f"selector, first call in a process (loads the model): {(time.perf_counter() - started) * 1000:.1f} ms"
    )
    warm = []
    for text, _ in held_out[:200]:
        started = time.perf_counter()
        selectors.intake_suggestions(estate=estate, description=text)
        warm.append((time.perf_counter() - started) * 1000)
    bench.note(f"selector, warm: median {statistics.median(warm):.2f} ms, max {max(warm):.2f} ms")

    frontdesk = bench.client_for(users["frontdesk"])
    bench.measure(
        "suggest category and team (API)",
        frontdesk,
        "post",
        "/api/tickets/suggest/",
        data_factory=lambda i: {"description": held_out[i % len(held_out)][0], "estate": estate.pk},
    )
