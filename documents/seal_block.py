"""Where the seal goes: the template's seal block, as it came out on the page.

The templates end with "{{ department }}（盖章）" or "{{ center.name }}（盖章）" (a letter has two blocks:
甲方 and 乙方; a mandate paper 委托方 and 受托方). The block is found in the rendered PDF by its text, with
poppler's ``pdftotext -bbox-layout`` (the words and their boxes on each page): the block that names the
issuer (on its line or on the next two), else the last block of the paper. The seal is centred on the
characters "盖章", over the issuer's name and the date as a hand stamp is. Without poppler, or with no block
at all (a template an administrator uploaded without one), the seal goes to a fixed spot of the last page.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

MARK = "（盖章）"
SEAL_SIZE = 120.0  # PDF points: 4.2 cm, an official seal's diameter
# Where the seal goes without a block found: the last page, right, above the bottom margin (A4).
FALLBACK_BOX = (380, 80, 500, 200)
_NS = "{http://www.w3.org/1999/xhtml}"


@dataclass(frozen=True, slots=True)
class SealPlace:
    """The page (0-based; -1 for the last) and the box, in PDF points from the page's lower left corner."""

    page: int
    box: tuple[int, int, int, int]
    found: bool  # False: the fallback spot


@dataclass(frozen=True, slots=True)
class _Word:
    page: int
    text: str
    x0: float
    y0: float  # from the top, as poppler gives it
    x1: float
    y1: float
    page_width: float
    page_height: float


def seal_place(pdf: bytes, issuers: tuple[str, ...]) -> SealPlace:
    """Where to put the seal of a paper issued by the first of ``issuers`` that its seal block names."""
    words = _words(pdf)
    blocks = [i for i, word in enumerate(words) if MARK in word.text]
    if not blocks:
        return SealPlace(page=-1, box=FALLBACK_BOX, found=False)

    def names_issuer(index: int) -> bool:
        near = "".join(w.text for w in words[index:index + 3] if w.page == words[index].page)
        return any(name and name in near for name in issuers)

    chosen = next((i for i in blocks if names_issuer(i)), blocks[-1])
    return SealPlace(page=words[chosen].page, box=_box_over(words[chosen]), found=True)


def _box_over(word: _Word) -> tuple[int, int, int, int]:
    """A seal-sized box centred on the word's "盖章" (characters are of even width in a CJK line)."""
    at = word.text.index(MARK) + 2  # between 盖 and 章 of （盖章）
    x = word.x0 + (word.x1 - word.x0) * at / len(word.text)
    y = word.page_height - (word.y0 + word.y1) / 2
    half = SEAL_SIZE / 2
    x = min(max(x, half), word.page_width - half)
    y = min(max(y, half), word.page_height - half)
    return round(x - half), round(y - half), round(x + half), round(y + half)


def _words(pdf: bytes) -> list[_Word]:
    tool = shutil.which("pdftotext")
    if tool is None:
        return []
    with tempfile.TemporaryDirectory(prefix="agency-seal-") as folder:
        source = Path(folder) / "paper.pdf"
        source.write_bytes(pdf)
        try:
            done = subprocess.run(  # noqa: S603 - fixed argv, no shell, executable found above
                [tool, "-bbox-layout", str(source), "-"], capture_output=True, timeout=60, check=True)
        except (subprocess.SubprocessError, OSError):
            return []
    try:
        root = ET.fromstring(done.stdout)  # noqa: S314 - poppler's answer on a PDF this process made
    except ET.ParseError:
        return []
    words: list[_Word] = []
    for number, page in enumerate(root.iter(f"{_NS}page")):
        width, height = float(page.get("width", 595)), float(page.get("height", 842))
        words.extend(_Word(number, word.text or "", float(word.get("xMin", 0)), float(word.get("yMin", 0)),
                           float(word.get("xMax", 0)), float(word.get("yMax", 0)), width, height)
                     for word in page.iter(f"{_NS}word"))
    return words
