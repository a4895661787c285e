"""The verification mark every paper carries: a short code and a QR code pointing to the public page.

It is added by the program to the rendered DOCX, after the template was filled and outside of it, so an
uploaded template version cannot drop it. The PDF is converted from that DOCX, and sealed afterwards.
"""

from __future__ import annotations

import io
import secrets

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud and typed from paper
CODE_LENGTH = 20  # 31 ** 20 ≈ 2 ** 99: unguessable
WORD_COPY_NOTE = "Word 版本未签章，以 PDF 版本为准。"


def sealed_for(issuer: str, sealed_by: str) -> str:
    return f"出具单位：{issuer}。本文书由{sealed_by}加盖电子印章。"


def new_code() -> str:
    """A fresh verification code (about 99 bits), grouped in fives for reading: ``ABCDE-FGHJK-…``."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i:i + 5] for i in range(0, CODE_LENGTH, 5))


def is_code(text: str) -> bool:
    parts = text.split("-")
    return (len(parts) == CODE_LENGTH // 5 and all(len(p) == 5 for p in parts)
            and all(c in CODE_ALPHABET for c in "".join(parts)))


def verify_url(public_url: str, code: str) -> str:
    return f"{public_url.rstrip('/')}/verify/{code}"


def qr_png(text: str) -> bytes:
    import qrcode  # type: ignore[import-untyped]

    image = qrcode.make(text, border=2, box_size=8)
    out = io.BytesIO()
    image.save(out)
    return out.getvalue()


def add_mark(docx: bytes, code: str, url: str, *, pdf: bool, issuer: str = "", sealed_by: str = "") -> bytes:
    """The DOCX with the verification code and the QR code of ``url`` at the end of its body. A Word copy
    also says that it is not sealed and that the PDF is the copy of record. A PDF sealed by someone else than
    its issuer (the center's seal on a department's paper) says whose paper it is and whose seal it bears."""
    from docx import Document
    from docx.shared import Cm, Pt

    document = Document(io.BytesIO(docx))
    table = document.add_table(rows=1, cols=2)
    left, right = table.rows[0].cells
    left.width, right.width = Cm(3), Cm(13)
    left.paragraphs[0].add_run().add_picture(io.BytesIO(qr_png(url)), width=Cm(2.6))
    lines = [f"验证码：{code}", f"扫描二维码或访问 {url} 核验本文书真伪。"]
    if not pdf:
        lines.append(WORD_COPY_NOTE)
    elif issuer and sealed_by and sealed_by != issuer:
        lines.append(sealed_for(issuer, sealed_by))
    for i, line in enumerate(lines):
        paragraph = right.paragraphs[0] if i == 0 else right.add_paragraph()
        run = paragraph.add_run(line)
        run.font.size = Pt(9)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def as_pdf_source(docx: bytes, *, issuer: str = "", sealed_by: str = "") -> bytes:
    """A Word copy made ready to be converted to its sealed PDF: the note "以 PDF 版本为准" of its mark gives way
    to what a PDF's mark says (whose seal it bears, when not the issuer's), the code and the QR code stay."""
    from docx import Document

    document = Document(io.BytesIO(docx))
    for table in reversed(document.tables):
        for cell in table._cells:
            for paragraph in cell.paragraphs:
                if paragraph.text != WORD_COPY_NOTE:
                    continue
                note = sealed_for(issuer, sealed_by) if issuer and sealed_by and sealed_by != issuer else ""
                if note:
                    for run in paragraph.runs[1:]:
                        run.text = ""
                    paragraph.runs[0].text = note
                else:
                    paragraph._element.getparent().remove(paragraph._element)
                out = io.BytesIO()
                document.save(out)
                return out.getvalue()
    return docx
