"""QR codes printed on passes: inline SVG drawn here on the server (no script, no image request,
so the strict CSP and offline deployments are fine). The code holds the pass number only: the
gate looks the pass up, so a copied or revoked card is caught there."""

from __future__ import annotations

import segno
from django.utils.safestring import SafeString, mark_safe


def qr_svg(text: str, *, title: str = "") -> SafeString:
    """An <svg> element of `text` as a QR code, sized by CSS (a viewBox, no width/height)."""
    code = segno.make(text, error="m", micro=False)
    # segno escapes the title and emits only path data and attributes (no style="" that the CSP
    # would refuse); the text itself is encoded, never written into the markup.
    return mark_safe(code.svg_inline(scale=1, border=2, omitsize=True, svgclass="qr", title=title or None))  # noqa: S308
