"""The receipt (收据) as a PDF file for download: the same facts as the printable HTML receipt
(`billing/_receipt.html`), drawn from the same context (`exports.receipt_context`), so both agree."""

from __future__ import annotations

from io import BytesIO

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A5
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from billing.exports import receipt_context
from billing.models import Payment
from servicecenter.money import format_money

# reportlab's built-in CID font for Simplified Chinese: no font file to ship.
PDF_FONT = "STSong-Light"
# Numbers (receipt number, amounts) in a Latin font: they read better, and the text stays plain
# ASCII inside the file, so a search in a PDF reader (and the tests) find the receipt number.
LATIN_FONT = "Helvetica"


def receipt_filename(payment: Payment) -> str:
    return f"receipt-{payment.receipt.number}.pdf"


def receipt_pdf(payment: Payment, *, compress: bool = True) -> bytes:
    """The payment's receipt as PDF bytes. `payment` comes from `selectors.payment_for_page` (the
    allocations, their bills and the prepaid movements prefetched) and has a receipt."""
    context = receipt_context(payment)
    receipt = context["receipt"]
    pdfmetrics.registerFont(UnicodeCIDFont(PDF_FONT))
    heading = ParagraphStyle("heading", fontName=PDF_FONT, fontSize=15, leading=20, spaceAfter=4)
    body = ParagraphStyle("body", fontName=PDF_FONT, fontSize=10, leading=14)
    marker = ParagraphStyle("marker", parent=body, fontSize=14, leading=18, textColor=colors.red)
    buffer = BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A5,
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=f"{_('Receipt')} {receipt.number}",
        pageCompression=1 if compress else 0,
    )
    story = [
        Paragraph(_escape(f"{payment.estate.name} · {_('Receipt')}"), heading),
        Paragraph(f"{_escape(_('No.'))} {_latin(receipt.number)}", body),
    ]
    if context["is_void"]:
        story.append(Paragraph(_escape(payment.get_status_display()), marker))
    method = payment.get_method_display()
    if payment.reference:
        method = f"{method} · {payment.reference}"
    facts = [
        (_("Date"), _latin(f"{timezone.localtime(payment.received_at):%Y-%m-%d %H:%M}")),
        (_("Unit"), _escape(payment.unit.code)),
    ]
    if payment.payer_name:
        facts.append((_("Paid by"), _escape(payment.payer_name)))
    facts += [
        (_("Method"), _escape(method)),
        (_("Amount"), _latin(f"¥{format_money(payment.amount)}")),
        (_("Amount in words"), _escape(context["amount_words"])),
    ]
    story += [Spacer(1, 3 * mm), _grid([[Paragraph(_escape(k), body), Paragraph(v, body)] for k, v in facts])]
    lines = [[Paragraph(_escape(text), body) for text in (_("Charge"), _("Period"), _("Paid"))]]
    for allocation in context["allocations"]:
        bill = allocation.bill
        charge = bill.charge_item.name + (f" · {bill.description}" if bill.description else "")
        lines.append(
            [
                Paragraph(_escape(charge), body),
                Paragraph(_latin(f"{bill.period:%Y-%m}"), body),
                Paragraph(_latin(format_money(allocation.amount)), body),
            ]
        )
    if context["to_prepaid"]:
        lines.append(
            [
                Paragraph(_escape(_("To prepaid balance")), body),
                "",
                Paragraph(_latin(format_money(context["to_prepaid"])), body),
            ]
        )
    lines.append(
        [Paragraph(_escape(_("Total")), body), "", Paragraph(_latin(format_money(payment.amount)), body)]
    )
    story += [Spacer(1, 4 * mm), _grid(lines, header=True)]
    if payment.received_by:
        received_by = payment.received_by.get_full_name() or payment.received_by.get_username()
    else:
        received_by = payment.get_method_display()
    story += [Spacer(1, 4 * mm), Paragraph(_escape(f"{_('Received by:')} {received_by}"), body)]
    if payment.estate.phone:
        story.append(Paragraph(f"{_escape(_('Service centre:'))} {_latin(payment.estate.phone)}", body))
    document.build(story)
    return buffer.getvalue()


def _grid(rows: list, *, header: bool = False) -> Table:
    table = Table(rows, hAlign="LEFT", colWidths=None)
    style = [
        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke))
    table.setStyle(TableStyle(style))
    return table


def _latin(text: str) -> str:
    return f'<font name="{LATIN_FONT}">{_escape(text)}</font>'


def _escape(text) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
