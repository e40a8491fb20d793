"""Render a sample contract of every type (no database needed) and, with --png, one page of each
as a small PNG: the pictures in docs/contracts/ are made with
`python manage.py contract_samples --out docs/contracts --png`."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from contracts.pdf import render_contract_pdf
from contracts.samples import SAMPLE_TYPES, sample_contract


class Command(BaseCommand):
    help = "Render sample contract PDFs of every type; --png keeps the price clause's page as PNG."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--out", default="docs/contracts")
        parser.add_argument("--png", action="store_true")
        parser.add_argument("--dpi", type=int, default=80)
        parser.add_argument("--keep-pdf", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        out = Path(options["out"])
        out.mkdir(parents=True, exist_ok=True)
        if options["png"] and shutil.which("pdftoppm") is None:
            raise CommandError("pdftoppm not found: install poppler-utils")
        for contract_type, subtype in SAMPLE_TYPES:
            contract = sample_contract(contract_type, subtype, sentences_per_clause=0)
            pdf = render_contract_pdf(contract, final=True)
            pdf_path = out / f"{contract_type}.pdf"
            pdf_path.write_bytes(pdf.data)
            line = f"{contract_type}: {pdf.pages} pages, {len(pdf.data) // 1024} KB"
            if options["png"]:
                page = self._price_page(pdf.data)
                subprocess.run(  # noqa: S603 -- fixed argv, our own file names
                    [  # noqa: S607 -- pdftoppm from poppler-utils, found on PATH
                        "pdftoppm",
                        "-png",
                        "-r",
                        str(options["dpi"]),
                        "-f",
                        str(page),
                        "-l",
                        str(page),
                        "-singlefile",
                        str(pdf_path),
                        str(out / contract_type),
                    ],
                    check=True,
                )
                self._shrink(out / f"{contract_type}.png")
                line += f", page {page} → {contract_type}.png"
            if not options["keep_pdf"]:
                pdf_path.unlink()
            self.stdout.write(line)

    @staticmethod
    def _shrink(path: Path) -> None:
        """16 grey levels are plenty for black text on white; the PNG gets ~3x smaller."""
        from PIL import Image

        with Image.open(path) as image:
            small = image.convert("L").quantize(colors=16)
        small.save(path, optimize=True)

    @staticmethod
    def _price_page(data: bytes) -> int:
        """The page where the price clause starts (amounts in figures and in capitals)."""
        from pypdf import PdfReader  # a dev dependency: this command makes the docs' pictures

        reader = PdfReader(io.BytesIO(data))
        for number, page in enumerate(reader.pages, start=1):
            if "大写" in re.sub(r"\s+", "", page.extract_text()):
                return number
        return 1
