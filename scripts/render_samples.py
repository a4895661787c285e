"""Render every template with the sample data to DOCX, PDF and PNG pages, to look at them.

    python scripts/render_samples.py [OUTPUT_DIR]      (default ./var/samples)

Needs LibreOffice for the PDF and poppler-utils (pdftoppm) for the PNG pages; without them only
the DOCX files are written. Application forms are written as application_form.<item_code>.*.
Every paper carries a sample verification code and QR code as Agency prints them, and every PDF is sealed
with a throw-away demo seal (演示用印章，无法律效力), as the embedded default seals them.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

from documents import REGISTRY, PdfError, builtin_template_bytes, pdf_available, render, seal, to_pdf, verification
from documents.samples import sample_context

SAMPLE_URL = "http://127.0.0.1:8000"


def main() -> int:
    parser = argparse.ArgumentParser(description="Render sample papers to DOCX, PDF and PNG.")
    parser.add_argument("output", nargs="?", type=Path, default=Path("var/samples"))
    parser.add_argument("--dpi", type=int, default=60, help="PNG resolution (pdftoppm -r)")
    parser.add_argument("--only", action="append", default=[], help="template code prefix (repeatable)")
    args = parser.parse_args()
    out: Path = args.output
    out.mkdir(parents=True, exist_ok=True)
    make_pdf = pdf_available()
    pdftoppm = shutil.which("pdftoppm")
    if not make_pdf:
        print("LibreOffice not installed: writing DOCX only", file=sys.stderr)
    elif pdftoppm is None:
        print("pdftoppm (poppler-utils) not installed: no PNG pages", file=sys.stderr)
    failures = 0
    demo_key = seal.demo_pkcs12("示范县行政服务中心", "samples")
    signers: dict[str, seal.PadesSigner] = {}
    for code, spec in REGISTRY.items():
        if args.only and not any(code.startswith(prefix) for prefix in args.only):
            continue
        stem = spec.filename.removesuffix(".docx")
        context = sample_context(code)
        docx = render(builtin_template_bytes(code), context)
        # Who issues it: the department the paper names, else the center (sealed by the center either way,
        # as when no department has a key of its own: the mark then names the department as issuer).
        center = getattr(getattr(context, "center", None), "name", "") or "示范县行政服务中心"
        issuer = str(getattr(context, "department", "") or center)
        mark = verification.new_code()
        url = verification.verify_url(SAMPLE_URL, mark)
        (out / f"{stem}.docx").write_bytes(verification.add_mark(docx, mark, url, pdf=False))
        line = f"{spec.name_zh:<24} {stem}.docx"
        if make_pdf:
            try:
                marked = verification.add_mark(docx, mark, url, pdf=True, issuer=issuer, sealed_by=center)
                signer = signers.setdefault(center, seal.PadesSigner(demo_key, "samples", seal_text=center, demo=True))
                pdf = signer.sign(to_pdf(marked), reason="样例", location=issuer)
            except (PdfError, seal.SealError) as exc:
                print(f"{code}: {exc}", file=sys.stderr)
                failures += 1
                continue
            (out / f"{stem}.pdf").write_bytes(pdf)
            line += " .pdf"
            if pdftoppm:
                for old in out.glob(f"{stem}-*.png"):
                    old.unlink()
                subprocess.run(  # noqa: S603 - fixed argv, no shell
                    [pdftoppm, "-r", str(args.dpi), "-png", str(out / f"{stem}.pdf"), str(out / stem)],
                    check=True,
                )
                pages = sorted(out.glob(f"{stem}-*.png"))
                line += f" {len(pages)} page(s)"
        print(line)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
