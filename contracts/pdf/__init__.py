"""Contract PDFs: versioned HTML templates (templates/contracts/pdf/<version>/<type>.html)
rendered with WeasyPrint into A4 Chinese documents with subset-embedded Noto CJK fonts.

The same contract and template version give the same bytes: nothing in the output depends on the
time or machine of rendering (the metadata dates are the contract's own dates; no PDF /ID).
"""

from contracts.pdf.fonts import FontMissing, check_cjk_fonts
from contracts.pdf.render import (
    TEMPLATE_VERSION,
    PdfError,
    RenderedPdf,
    contract_html,
    html_to_pdf,
    render_contract_pdf,
    template_name_for,
)

__all__ = [
    "TEMPLATE_VERSION",
    "FontMissing",
    "PdfError",
    "RenderedPdf",
    "check_cjk_fonts",
    "contract_html",
    "html_to_pdf",
    "render_contract_pdf",
    "template_name_for",
]
