"""The seal and the verification mark, as the library makes them: a PAdES signature pyHanko's own validator
accepts against the demo certificate, that one altered byte breaks, and a QR code that reads as the link."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from docx import Document as Docx

import documents as paper
from documents import samples, seal, seal_block, verification
from tests.documents.conftest import tool_missing

PASSWORD = "test-seal"


@pytest.fixture(scope="module")
def demo_key() -> bytes:
    return seal.demo_pkcs12("示范县行政服务中心", PASSWORD)


@pytest.fixture(scope="module")
def marked_pdf() -> tuple[bytes, str, str]:
    """A one-time notice with its verification mark, converted to PDF (LibreOffice), not yet sealed."""
    if not paper.pdf_available():
        tool_missing("LibreOffice (soffice) is not installed (Debian: libreoffice-writer-nogui fonts-noto-cjk)")
    docx = paper.render(paper.builtin_template_bytes("one_time_notice"), samples.sample_context("one_time_notice"))
    code = verification.new_code()
    url = verification.verify_url("https://agency.example.gov.cn/", code)
    return paper.to_pdf(verification.add_mark(docx, code, url, pdf=True)), code, url


def test_codes_are_long_random_and_readable() -> None:
    codes = {verification.new_code() for _ in range(200)}
    assert len(codes) == 200
    code = codes.pop()
    assert verification.is_code(code) and len(code.replace("-", "")) == 20
    assert not set(code) & set("01OIL")  # nothing to misread on paper
    assert not verification.is_code("ABCDE") and not verification.is_code(code.lower())


def test_a_word_copy_carries_the_code_the_link_and_says_the_pdf_prevails() -> None:
    docx = paper.render(paper.builtin_template_bytes("authorization_letter"),
                        samples.sample_context("authorization_letter"))
    marked = verification.add_mark(docx, "ABCDE-FGHJK-MNPQR-STUVW", "https://x.example/verify/ABCDE-FGHJK-MNPQR-STUVW",
                                   pdf=False)
    document = Docx(io.BytesIO(marked))
    text = "\n".join(cell.text for table in document.tables for row in table.rows for cell in row.cells)
    assert "验证码：ABCDE-FGHJK-MNPQR-STUVW" in text
    assert "https://x.example/verify/ABCDE-FGHJK-MNPQR-STUVW" in text
    assert "以 PDF 版本为准" in text
    assert len(document.inline_shapes) >= 1  # the QR code


def test_a_sealed_pdf_validates_and_one_altered_byte_breaks_it(demo_key: bytes,
                                                               marked_pdf: tuple[bytes, str, str]) -> None:
    pdf, _, _ = marked_pdf
    signer = seal.PadesSigner(demo_key, PASSWORD, seal_text="示范县行政服务中心", demo=True)
    sealed = signer.sign(pdf, reason="出具文书", location="示范县")
    root = seal.certificate_of(demo_key, PASSWORD)
    good = seal.check_signature(sealed, [root])
    assert good.signed and good.valid
    assert good.signer is not None and "演示用印章，无法律效力" in good.signer and "示范县行政服务中心" in good.signer
    altered = bytearray(sealed)
    altered[len(pdf) // 2] ^= 0x01  # one byte of the page content, inside the signed range
    assert not seal.check_signature(bytes(altered), [root]).valid
    other_root = seal.certificate_of(seal.demo_pkcs12("别的单位", PASSWORD), PASSWORD)
    assert not seal.check_signature(sealed, [other_root]).valid  # a seal of someone else is not ours
    unsealed = seal.check_signature(pdf, [root])
    assert not unsealed.signed and not unsealed.valid


def test_a_bad_key_or_password_is_a_seal_error(demo_key: bytes) -> None:
    with pytest.raises(seal.SealError):
        seal.PadesSigner(demo_key, "wrong", seal_text="中心")
    with pytest.raises(seal.SealError):
        seal.PadesSigner(b"not a key", None, seal_text="中心")


def test_the_qr_code_on_the_paper_reads_as_the_verification_link(tmp_path: Path,
                                                                  marked_pdf: tuple[bytes, str, str]) -> None:
    zxingcpp = pytest.importorskip("zxingcpp")
    from PIL import Image

    if shutil.which("pdftoppm") is None:
        tool_missing("pdftoppm is not installed (Debian: poppler-utils)")
    pdf, code, url = marked_pdf
    (tmp_path / "paper.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "110", "-png", str(tmp_path / "paper.pdf"), str(tmp_path / "page")], check=True)
    read = {result.text for page in sorted(tmp_path.glob("page*.png"))
            for result in zxingcpp.read_barcodes(Image.open(page))}
    assert read == {url} and url == f"https://agency.example.gov.cn/verify/{code}"


def _seal_widget(sealed: bytes) -> tuple[int, tuple[float, ...]]:
    """The page (0-based) and the box of the seal's signature field, as pyHanko reads them back."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO(sealed))
    widget = reader.embedded_signatures[0].sig_field
    pages = [reader.find_page_for_modification(i)[0].idnum for i in range(int(reader.root["/Pages"]["/Count"]))]
    return pages.index(widget.raw_get("/P").idnum), tuple(float(v) for v in widget["/Rect"])


def test_the_seal_is_drawn_over_the_issuers_seal_block(demo_key: bytes, marked_pdf: tuple[bytes, str, str]) -> None:
    """The one-time notice ends with "县住房和城乡建设局（盖章）" above its date: the seal covers 盖章 there,
    on that page, not a fixed corner."""
    if shutil.which("pdftotext") is None:
        tool_missing("pdftotext is not installed (Debian: poppler-utils)")
    pdf, _, _ = marked_pdf
    issuer = samples.sample_context("one_time_notice").department
    place = seal_block.seal_place(pdf, (issuer,))
    assert place.found
    words = [w for w in seal_block._words(pdf) if seal_block.MARK in w.text]
    assert len(words) == 1 and issuer in words[0].text
    sealed = seal.PadesSigner(demo_key, PASSWORD, seal_text=issuer, demo=True).sign(pdf, reason="出具文书",
                                                                                  location=issuer)
    page, (x0, y0, x1, y1) = _seal_widget(sealed)
    word = words[0]
    centre_x = word.x0 + (word.x1 - word.x0) * (word.text.index("（盖章）") + 2) / len(word.text)
    centre_y = word.page_height - (word.y0 + word.y1) / 2
    assert page == word.page and x0 < centre_x < x1 and y0 < centre_y < y1
    assert round(x1 - x0) == round(y1 - y0) == seal_block.SEAL_SIZE


def test_of_two_seal_blocks_the_one_naming_the_issuer_is_sealed() -> None:
    """A mandate paper has 委托方（盖章） for the enterprise and 受托方（盖章） above the office's name."""
    if not paper.pdf_available() or shutil.which("pdftotext") is None:
        tool_missing("LibreOffice and pdftotext are needed (Debian: libreoffice-writer-nogui poppler-utils)")
    context = samples.sample_context("mandate_end")
    pdf = paper.to_pdf(paper.render(paper.builtin_template_bytes("mandate_end"), context))
    blocks = {w.text: w for w in seal_block._words(pdf) if seal_block.MARK in w.text}
    assert set(blocks) == {"委托方（盖章）：", "受托方（盖章）："}
    place = seal_block.seal_place(pdf, (context.center.office_name,))
    office = blocks["受托方（盖章）："]
    assert place.found and place.box[0] < office.x1 and place.box[2] > office.x0
    assert seal_block.seal_place(pdf, ("没有这个单位",)).found  # no block names it: the last one
    assert seal_block.seal_place(b"%PDF-1.4 not really", ("中心",)) == seal_block.SealPlace(
        page=-1, box=seal_block.FALLBACK_BOX, found=False)
