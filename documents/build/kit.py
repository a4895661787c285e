"""Layout helpers for building the templates with python-docx, in the manner of GB/T 9704-2012.

Rules every helper keeps, because docxtpl depends on them:

- a Jinja tag is always written inside one run (one ``add_run`` call), so Word never sees it split;
- ``{%tr … %}`` tags sit alone in the first cell of their own row, which docxtpl replaces whole.

Page: A4, margins top 3.7 cm, bottom 3.5 cm, left 2.8 cm, right 2.6 cm (a 15.6 cm wide text block:
28 characters of 三号 per line), page number "— 1 —" in the footer. Fonts are named as on a
Chinese Windows desktop (SimSun 宋体, SimHei 黑体); LibreOffice on Linux substitutes Noto CJK,
guided by the zh-CN language tag set on every style.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT, WD_SECTION_START
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Emu, Pt
from docx.table import Table, _Cell, _Row
from docx.text.paragraph import Paragraph
from docx.text.run import Run

SONG = "SimSun"  # 宋体
HEI = "SimHei"  # 黑体
LATIN = "Times New Roman"

TITLE_PT = 22.0  # 二号
BODY_PT = 16.0  # 三号
FORM_PT = 12.0  # 小四
TABLE_PT = 10.5  # 五号
TEXT_WIDTH_CM = 15.6
LANDSCAPE_WIDTH_CM = 23.7

Align = Literal["left", "center", "right", "justify"]
_ALIGN = {
    "left": WD_ALIGN_PARAGRAPH.LEFT,
    "center": WD_ALIGN_PARAGRAPH.CENTER,
    "right": WD_ALIGN_PARAGRAPH.RIGHT,
    "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
}
# A fixed moment for the package metadata, so that building twice gives identical bytes.
_EPOCH = datetime(2026, 1, 1)


def _fonts(run: Run, east_asia: str, size: float, bold: bool) -> None:
    run.font.size = Pt(size)
    run.font.bold = bold or None
    rpr = run._r.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    fonts.set(qn("w:ascii"), LATIN)
    fonts.set(qn("w:hAnsi"), LATIN)
    fonts.set(qn("w:eastAsia"), east_asia)


# <w:pPr> children that must follow autoSpaceDE/DN (schema order).
_PPR_AFTER_AUTOSPACE = (
    "w:bidi",
    "w:adjustRightInd",
    "w:snapToGrid",
    "w:spacing",
    "w:ind",
    "w:contextualSpacing",
    "w:mirrorIndents",
    "w:suppressOverlap",
    "w:jc",
    "w:textDirection",
    "w:textAlignment",
    "w:textboxTightWrap",
    "w:outlineLvl",
    "w:divId",
    "w:cnfStyle",
    "w:rPr",
    "w:sectPr",
    "w:pPrChange",
)


def new_document(title: str, *, body_pt: float = BODY_PT, landscape: bool = False) -> DocumentObject:
    """An empty A4 paper; ``landscape`` for a wide table (the margins then frame the table evenly)."""
    doc = Document()
    section = doc.sections[0]
    section.start_type = WD_SECTION_START.NEW_PAGE
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Cm(29.7), Cm(21.0)
        section.top_margin, section.bottom_margin = Cm(2.6), Cm(2.4)
        section.left_margin, section.right_margin = Cm(3.0), Cm(3.0)
        section.header_distance, section.footer_distance = Cm(1.2), Cm(1.2)
    else:
        section.page_width, section.page_height = Cm(21.0), Cm(29.7)
        section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
        section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
        section.header_distance, section.footer_distance = Cm(1.5), Cm(2.5)

    normal = doc.styles["Normal"]
    normal.font.size = Pt(body_pt)
    normal.font.name = LATIN
    rpr = normal.element.get_or_add_rPr()
    rpr.get_or_add_rFonts().set(qn("w:eastAsia"), SONG)
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")
    rpr.append(lang)
    fmt = normal.paragraph_format
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.widow_control = False  # Chinese text does not use widow/orphan control
    # No extra quarter-em between Chinese and Latin/digits: "2026年12月8日" as printed papers write
    # it, not "2026 年 12 月 8 日". Word and WPS honour this; LibreOffice 7.4 ignores it on import,
    # so table columns are sized to hold a date with the extra space.
    ppr = normal.element.get_or_add_pPr()
    for tag in ("w:autoSpaceDE", "w:autoSpaceDN"):
        flag = OxmlElement(tag)
        flag.set(qn("w:val"), "0")
        ppr.insert_element_before(flag, *_PPR_AFTER_AUTOSPACE)

    _page_number_footer(doc)
    props = doc.core_properties
    props.title, props.author, props.last_modified_by = title, "Agency", "Agency"
    props.subject = props.comments = props.keywords = props.category = ""
    props.created = props.modified = props.last_printed = _EPOCH
    props.revision = 1
    return doc


def _page_number_footer(doc: DocumentObject) -> None:
    footer = doc.sections[0].footer
    paragraph = footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _fonts(paragraph.add_run("— "), SONG, 14, False)
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), " PAGE ")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)
    _fonts(paragraph.add_run(" —"), SONG, 14, False)


Container = DocumentObject | _Cell


def paragraph(
    container: Container,
    text: str = "",
    *,
    size: float = BODY_PT,
    font: str = SONG,
    bold: bool = False,
    align: Align = "justify",
    indent: bool = False,
    line_pt: float | None = None,
    before: float = 0,
    after: float = 0,
    keep_next: bool = False,
    reuse: bool = False,
) -> Paragraph:
    """A paragraph holding ``text`` in a single run (tags inside it are never split).

    ``indent`` = the two-character first-line indent of Chinese body text; ``reuse`` writes into the
    empty paragraph a new table cell already has instead of adding a second one.
    """
    p: Paragraph
    if reuse and isinstance(container, _Cell) and not container.paragraphs[0].text:
        p = container.paragraphs[0]
    else:
        p = container.add_paragraph()
    fmt = p.paragraph_format
    p.alignment = _ALIGN[align]
    fmt.space_before, fmt.space_after = Pt(before), Pt(after)
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(line_pt if line_pt is not None else round(size * 1.75))
    if indent:
        fmt.first_line_indent = Pt(size * 2)
    if keep_next:
        fmt.keep_with_next = True
    if text:
        add_run(p, text, size=size, font=font, bold=bold)
    return p


def add_run(p: Paragraph, text: str, *, size: float = BODY_PT, font: str = SONG, bold: bool = False) -> Run:
    run = p.add_run(text)
    _fonts(run, font, size, bold)
    return run


def title(doc: DocumentObject, text: str, *, size: float = TITLE_PT, after: float = 6) -> Paragraph:
    # 方正小标宋 is not on a stock system; a bold 宋体 is the closest look everywhere.
    return paragraph(doc, text, size=size, bold=True, align="center", line_pt=size * 1.6, after=after)


def doc_number(doc: DocumentObject, text: str = "{{ doc_number }}", *, size: float = BODY_PT) -> Paragraph:
    return paragraph(doc, text, size=size, align="center", after=12)


def right_left_line(
    doc: DocumentObject,
    left: str,
    right: str,
    *,
    size: float = FORM_PT,
    after: float = 4,
    width_cm: float = TEXT_WIDTH_CM,
) -> Paragraph:
    """``left`` at the margin, ``right`` flush with the right margin (a right tab stop)."""
    p = paragraph(doc, left, size=size, align="left", after=after)
    p.paragraph_format.tab_stops.add_tab_stop(Cm(width_cm), WD_TAB_ALIGNMENT.RIGHT)
    add_run(p, "\t" + right, size=size)
    return p


def signature(doc: DocumentObject, lines: Sequence[str], *, size: float = BODY_PT, before: float = 24) -> None:
    """The issuer's block at the right: name（盖章） and the date, as a seal is pressed over them."""
    for i, line in enumerate(lines):
        last = i == len(lines) - 1
        paragraph(doc, line, size=size, align="right", before=before if i == 0 else 0, keep_next=not last)


@dataclass(frozen=True, slots=True)
class C:
    """One cell of a table row: text, how many grid columns it spans, alignment, weight."""

    text: str = ""
    span: int = 1
    align: Align = "center"
    bold: bool = False
    font: str = SONG


# Schema order of <w:tblPr> children: Word rejects a file whose elements are out of order.
_TBLPR_ORDER = (
    "w:tblStyle",
    "w:tblpPr",
    "w:tblOverlap",
    "w:bidiVisual",
    "w:tblStyleRowBandSize",
    "w:tblStyleColBandSize",
    "w:tblW",
    "w:jc",
    "w:tblCellSpacing",
    "w:tblInd",
    "w:tblBorders",
    "w:shd",
    "w:tblLayout",
    "w:tblCellMar",
    "w:tblLook",
    "w:tblCaption",
    "w:tblDescription",
    "w:tblPrChange",
)


def table(doc: DocumentObject, widths_cm: Sequence[float], *, borders: bool = True) -> Table:
    t: Table = doc.add_table(rows=0, cols=len(widths_cm))
    if borders:
        t.style = doc.styles["Table Grid"]
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    t.autofit = False  # = <w:tblLayout w:type="fixed">: LibreOffice and WPS otherwise re-flow widths
    tbl_pr = t._tbl.tblPr
    for old in tbl_pr.findall(qn("w:tblW")):
        tbl_pr.remove(old)
    width = OxmlElement("w:tblW")
    width.set(qn("w:w"), str(round(sum(widths_cm) * 567)))
    width.set(qn("w:type"), "dxa")
    tbl_pr.insert_element_before(width, *_TBLPR_ORDER[_TBLPR_ORDER.index("w:jc") :])
    # Narrow cell padding (1 mm): Chinese forms use it, and "序号" fits a 1 cm column.
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        margin = OxmlElement(f"w:{side}")
        margin.set(qn("w:w"), "57")
        margin.set(qn("w:type"), "dxa")
        margins.append(margin)
    tbl_pr.insert_element_before(margins, *_TBLPR_ORDER[_TBLPR_ORDER.index("w:tblLook") :])
    for column, w in zip(t.columns, widths_cm, strict=True):
        column.width = Cm(w)
    return t


def row(
    t: Table,
    cells: Sequence[C | str],
    *,
    size: float = TABLE_PT,
    height_cm: float | None = 0.75,
    header: bool = False,
    line_pt: float | None = None,
) -> _Row:
    """Append a row; strings are centred cells of one column, ``C`` gives span and alignment."""
    r: _Row = t.add_row()  # type: ignore[no-untyped-call]  # python-docx leaves it unannotated
    if height_cm is not None:
        r.height = Cm(height_cm)
        r.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
    tr_pr = r._tr.get_or_add_trPr()
    tr_pr.insert(0, OxmlElement("w:cantSplit"))  # a row never breaks across pages
    if header:
        tr_pr.append(OxmlElement("w:tblHeader"))  # repeat the header row on every page
    widths = [c.width for c in t.columns]
    col = 0
    for spec in cells:
        c = spec if isinstance(spec, C) else C(spec)
        cell = r.cells[col]
        if c.span > 1:
            cell = cell.merge(r.cells[col + c.span - 1])
        cell.width = Emu(sum(w or 0 for w in widths[col : col + c.span]))
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        lines = c.text.split("\n")
        for i, text in enumerate(lines):
            paragraph(
                cell,
                text,
                size=size,
                font=HEI if header else c.font,
                bold=c.bold,
                align=c.align,
                line_pt=line_pt if line_pt is not None else round(size * 1.5),
                reuse=i == 0,
            )
        col += c.span
    if col != len(t.columns):
        raise ValueError(f"row covers {col} of {len(t.columns)} columns: {cells!r}")
    return r


def loop_row(t: Table, tag: str) -> _Row:
    """A row holding only a ``{%tr … %}`` tag; docxtpl replaces the whole row with the tag."""
    return row(t, [C(tag, span=len(t.columns), align="left")], height_cm=None)
