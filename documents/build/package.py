"""Turning a built python-docx Document into the bytes committed under documents/templates.

Two jobs: make the file small (python-docx's stock template carries 800 kB of styles and leftovers
that docxtpl would parse on every render) and make it reproducible (fixed zip timestamps), so an
unchanged layout rebuilds byte for byte and a test can tell when someone forgot to rebuild.
"""

from __future__ import annotations

import io
import zipfile

from docx.document import Document as DocumentObject
from docx.oxml import parse_xml
from docx.oxml.ns import qn
from lxml import etree  # type: ignore[import-untyped]  # no stubs in the venv

__all__ = ["deterministic_docx"]

_DROPPED_RELS = ("/stylesWithEffects", "/customXml", "/thumbnail", "/webSettings")


def _slim(doc: DocumentObject) -> None:
    """Drop what python-docx's stock template carries and no paper uses.

    Its styles.xml alone is 350 kB of XML that docxtpl would parse on every render; the parts below
    are Word 2010 leftovers and a thumbnail. What stays: the styles the paper refers to (and the
    ones they are based on), the defaults, numbering, fonts, theme, settings.
    """
    package = doc.part.package
    for rels in (package.rels, doc.part.rels):
        for rid, rel in list(rels.items()):
            if rel.reltype.endswith(_DROPPED_RELS):
                del rels[rid]
    styles = doc.styles.element
    for latent in styles.findall(qn("w:latentStyles")):
        styles.remove(latent)
    parts = [doc.element] + [
        rel.target_part.element for rel in doc.part.rels.values() if rel.reltype.endswith(("/header", "/footer"))
    ]
    wanted = {
        el.get(qn("w:val"))
        for part in parts
        for tag in ("w:pStyle", "w:rStyle", "w:tblStyle")
        for el in part.iter(qn(tag))
    }
    by_id = {st.get(qn("w:styleId")): st for st in styles.findall(qn("w:style"))}
    wanted |= {sid for sid, st in by_id.items() if st.get(qn("w:default")) in ("1", "true")}
    pending = list(wanted)
    while pending:  # follow basedOn / link / next so Word finds every style it resolves through
        st = by_id.get(pending.pop())
        if st is None:
            continue
        for tag in ("w:basedOn", "w:link", "w:next"):
            for el in st.findall(qn(tag)):
                ref = el.get(qn("w:val"))
                if ref not in wanted:
                    wanted.add(ref)
                    pending.append(ref)
    for sid, st in by_id.items():
        if sid not in wanted:
            styles.remove(st)


# How Word describes the two fonts: the Chinese alt names let WPS and Word find them by 宋体/黑体,
# charset 86 (GB2312) tells a substituting application to look for a Chinese font.
_CJK_FONTS = (
    '<w:font w:name="SimSun" xmlns:w="{w}"><w:altName w:val="宋体"/>'
    '<w:panose1 w:val="02010600030101010101"/><w:charset w:val="86"/><w:family w:val="auto"/>'
    '<w:pitch w:val="variable"/></w:font>',
    '<w:font w:name="SimHei" xmlns:w="{w}"><w:altName w:val="黑体"/>'
    '<w:panose1 w:val="02010609060101010101"/><w:charset w:val="86"/><w:family w:val="modern"/>'
    '<w:pitch w:val="fixed"/></w:font>',
)


def _declare_cjk_fonts(doc: DocumentObject) -> None:
    part = next(r.target_part for r in doc.part.rels.values() if r.reltype.endswith("/fontTable"))
    table = parse_xml(part.blob)
    w = table.nsmap["w"]
    for xml in _CJK_FONTS:
        table.append(parse_xml(xml.format(w=w)))
    part._blob = etree.tostring(table, xml_declaration=True, encoding="UTF-8", standalone=True)


def deterministic_docx(doc: DocumentObject) -> bytes:
    """The .docx bytes with fixed zip timestamps, so an unchanged template rebuilds byte for byte."""
    _slim(doc)
    _declare_cjk_fonts(doc)
    raw = io.BytesIO()
    doc.save(raw)
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()
