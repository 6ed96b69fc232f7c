"""The desk knowledge base a company starts with (答客问, 快捷短语), in Simplified Chinese and English,
from the service centre's own rules (/work/shared/DOMAIN.md). Company-wide (no estate): the manager
edits them in the admin or adds an estate's own; nothing here overwrites an edited entry.

Applied by the data migration and by `seed_demo` (`ensure_default_knowledge`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DefaultEntry:
    topic: str
    kind: str
    title: str
    body: str
    keywords: str = ""


ZH = (
    DefaultEntry(
        "hours",
        "answer",
        "客服中心接待时间",
        "客服中心前台接待时间：周一至周五 8:30–18:00，周六、周日 9:00–17:00。"
        "紧急维修 24 小时、全年 365 天受理，请拨打客服电话。",
        "营业时间 上班 几点 周末",
    ),
    DefaultEntry(
        "hours",
        "answer",
        "投诉与监督电话",
        "投诉监督电话 24 小时开通，我们会在 72 小时内给您答复。",
        "投诉 监督 72小时",
    ),
    DefaultEntry(
        "other",
        "answer",
        "如何报修",
        "您可以到前台登记、拨打客服电话，或在业主端“报事报修”中提交，请说明房号、联系人、电话和问题。"
        "我们会派单给相应班组，完成后会回访您。户内维修可能属于有偿服务，维修前会告知费用。",
        "报修 维修 漏水 坏了",
    ),
    DefaultEntry(
        "fees",
        "answer",
        "物业费缴纳方式",
        "物业服务费按建筑面积×单价按月计收。可在前台以现金、刷卡、微信或支付宝缴纳，也可在业主端查看账单。"
        "缴费后可开具收据；如需发票，请在前台或业主端申请开票。",
        "物业费 缴费 交费 怎么交 发票",
    ),
    DefaultEntry(
        "fees",
        "answer",
        "开具发票",
        "已缴费的账单可申请开具发票：请提供发票抬头，单位开票还需提供纳税人识别号。"
        "文员开具后会通知您领取或发送电子发票。",
        "发票 开票 抬头 税号",
    ),
    DefaultEntry(
        "rules",
        "answer",
        "装修申请流程",
        "装修前请携带施工图纸和装修公司资质到前台申请；常规装修由客服中心审批，"
        "拆改墙体、水电改造、外立面、防水等非常规项目需工程部审核。"
        "签订装修管理协议、缴清装修押金和费用后办理装修出入证，方可进场施工。",
        "装修 申请 审批 出入证",
    ),
    DefaultEntry(
        "rules",
        "answer",
        "装修施工时间",
        "装修施工时间：工作日 8:00–12:00、14:00–18:00；周末 9:00–12:00、14:00–17:00 仅限无噪音作业；"
        "法定节假日禁止噪音施工。",
        "装修时间 噪音 周末 节假日",
    ),
    DefaultEntry(
        "fees",
        "answer",
        "装修押金",
        "装修押金在办理装修手续时缴纳，装修完工验收并经二次验收合格后退还；"
        "如有违章或损坏公共设施，将按规定从押金中扣除。",
        "押金 装修押金 退押金",
    ),
    DefaultEntry(
        "other",
        "answer",
        "失物招领",
        "拾到或遗失物品请到前台登记。认领时请出示身份证件并说明物品特征，核实无误后签字领取。",
        "失物 丢了 捡到 招领",
    ),
    DefaultEntry(
        "other",
        "answer",
        "快递代收",
        "前台可代收快递，到件后短信通知您；领取时请出示取件码或报房号和姓名，并签字确认。",
        "快递 包裹 代收 取件",
    ),
    DefaultEntry(
        "other",
        "answer",
        "钥匙托管",
        "业主可将钥匙交前台托管，并登记可代领人的姓名、电话和身份证号；"
        "代领时须本人持身份证到前台核验后签字领取。",
        "钥匙 托管 代领",
    ),
    DefaultEntry(
        "contacts",
        "answer",
        "紧急联系电话",
        "火警 119，报警 110，急救 120。小区内紧急情况请同时联系客服中心或安管岗亭，24 小时有人值守。",
        "紧急 电话 火警 急救 报警",
    ),
    DefaultEntry(
        "rules",
        "answer",
        "搬家放行",
        "搬出大件物品须业主本人或凭业主授权到前台办理放行条，安管凭放行条核对后放行。",
        "搬家 放行条 搬出",
    ),
    DefaultEntry("other", "phrase", "问候", "您好，这里是物业客服中心，请问有什么可以帮您？", "你好 开场"),
    DefaultEntry(
        "other", "phrase", "已受理", "您反映的问题我们已登记，会尽快安排处理，处理完成后会回访您。", "受理"
    ),
    DefaultEntry("other", "phrase", "致歉", "给您带来不便，非常抱歉，我们会尽快处理。", "抱歉 道歉"),
    DefaultEntry("other", "phrase", "结束语", "感谢您的来电，祝您生活愉快！", "结束 感谢"),
)

EN = (
    DefaultEntry(
        "hours",
        "answer",
        "Reception hours",
        "The service centre's reception is open Monday to Friday 8:30–18:00 and Saturday and Sunday "
        "9:00–17:00. Emergency repairs are taken 24 hours a day, 365 days a year: please call the "
        "service centre.",
        "opening hours open weekend",
    ),
    DefaultEntry(
        "hours",
        "answer",
        "Complaint and supervision line",
        "The complaint and supervision line is open 24 hours; we reply within 72 hours.",
        "complaint supervision 72 hours",
    ),
    DefaultEntry(
        "other",
        "answer",
        "How to report a repair",
        "Report it at the desk, by phone, or under “Repairs” in the resident portal, with your unit, "
        "a contact name and phone and what is wrong. We send it to the right team and call you back "
        "when it is done. Repairs inside a unit may be a paid service; you are told the cost first.",
        "repair report leak broken",
    ),
    DefaultEntry(
        "fees",
        "answer",
        "Paying the property fee",
        "The property service fee is the unit's floor area times the rate, billed monthly. Pay at the "
        "desk by cash, card, WeChat Pay or Alipay, and see your bills in the resident portal. You get "
        "a receipt; for an invoice, ask at the desk or in the portal.",
        "fee pay payment invoice",
    ),
    DefaultEntry(
        "fees",
        "answer",
        "Invoices",
        "Paid bills can be invoiced: give the invoice title, and for a company its tax number. The "
        "clerk tells you when the invoice is ready or sends the e-invoice.",
        "invoice tax number title",
    ),
    DefaultEntry(
        "rules",
        "answer",
        "Applying for a renovation",
        "Before renovating, bring the plans and the contractor's licence to the desk. Regular work is "
        "approved by the service centre; walls and structure, plumbing and gas, the facade and "
        "waterproofing also need the engineering review. Once the agreement is signed and the deposit "
        "and fees are paid, the workers' passes are issued and the works may start.",
        "renovation apply permit pass",
    ),
    DefaultEntry(
        "rules",
        "answer",
        "Renovation working hours",
        "Renovation work: weekdays 8:00–12:00 and 14:00–18:00; weekends 9:00–12:00 and 14:00–17:00, "
        "quiet work only; no noisy work on public holidays.",
        "renovation hours noise weekend holiday",
    ),
    DefaultEntry(
        "fees",
        "answer",
        "Renovation deposit",
        "The renovation deposit is paid when the renovation is permitted and refunded after the "
        "acceptance and the second inspection, less any deductions for violations or damage to "
        "shared parts.",
        "deposit refund renovation",
    ),
    DefaultEntry(
        "other",
        "answer",
        "Lost and found",
        "Hand in or report lost items at the desk. To claim an item, show your ID and describe it; "
        "you sign when you collect it.",
        "lost found claim",
    ),
    DefaultEntry(
        "other",
        "answer",
        "Parcels",
        "The desk accepts parcels for you and sends a text message when one arrives. Collect it with "
        "the pickup code or your unit and name, and sign for it.",
        "parcel delivery package pickup",
    ),
    DefaultEntry(
        "other",
        "answer",
        "Key custody",
        "Owners may leave keys with the desk and name who may collect them (name, phone, ID number). "
        "The person collecting shows their ID at the desk and signs for the keys.",
        "keys custody collect",
    ),
    DefaultEntry(
        "contacts",
        "answer",
        "Emergency numbers",
        "Fire 119, police 110, ambulance 120. For an emergency in the estate, also call the service "
        "centre or the security post, staffed 24 hours.",
        "emergency fire police ambulance",
    ),
    DefaultEntry(
        "rules",
        "answer",
        "Moving out: the release pass",
        "To move large items out, the owner (or someone with the owner's authorisation) gets a release "
        "pass at the desk; security checks it at the gate.",
        "moving release pass move out",
    ),
    DefaultEntry(
        "other",
        "phrase",
        "Greeting",
        "Hello, this is the property service centre. How can I help you?",
        "hello",
    ),
    DefaultEntry(
        "other",
        "phrase",
        "Request registered",
        "We have registered your request and will deal with it as soon as possible; we will call you back when it is done.",
        "registered",
    ),
    DefaultEntry(
        "other",
        "phrase",
        "Apology",
        "We are sorry for the inconvenience and will deal with it as soon as possible.",
        "sorry",
    ),
    DefaultEntry("other", "phrase", "Closing", "Thank you for calling. Have a nice day!", "thanks bye"),
)

DEFAULT_ENTRIES: dict[str, tuple[DefaultEntry, ...]] = {"zh-hans": ZH, "en": EN}


def ensure_default_knowledge(*, entry_model) -> int:
    """Add the company-wide entries that are missing (matched by language and title); returns how
    many were added. `entry_model` is passed in so the data migration can use its historical model."""
    existing = set(entry_model.objects.filter(estate__isnull=True).values_list("language", "title"))
    rows = [
        entry_model(
            estate=None,
            language=language,
            topic=entry.topic,
            kind=entry.kind,
            title=entry.title,
            body=entry.body,
            keywords=entry.keywords,
            sort_order=(index + 1) * 10,
        )
        for language, entries in DEFAULT_ENTRIES.items()
        for index, entry in enumerate(entries)
        if (language, entry.title) not in existing
    ]
    entry_model.objects.bulk_create(rows)
    return len(rows)
