"""The monthly 通报 of the rankings (红旗窗口, 服务标兵): landscape, for the tables of figures."""

from __future__ import annotations

from docx.document import Document as DocumentObject

from documents.build.kit import (
    FORM_PT,
    HEI,
    TABLE_PT,
    C,
    loop_row,
    new_document,
    paragraph,
    row,
    signature,
    table,
    title,
)

_WINDOW = ["名次", "窗口（部门）", "得分", "办结件数", "按时办结率", "提速率", "满意率（评价件数）", "即办率",
           "违法情形", "逾期未整改"]
_WINDOW_CELLS = ["{{ w.rank }}", C("{{ w.name }}", align="left"), "{{ w.score }}", "{{ w.completed }}",
                 "{{ w.on_time_rate }}", "{{ w.speedup_rate }}", "{{ w.satisfaction_rate }}（{{ w.rated }}）",
                 "{{ w.same_day_rate }}", "{{ w.violations }}", "{{ w.rectifications_overdue }}"]
_WINDOW_CM = (1.3, 4.6, 1.8, 1.9, 2.2, 1.9, 3.2, 1.9, 2.0, 2.9)


def _heading(doc: DocumentObject, text: str) -> None:
    paragraph(doc, text, size=FORM_PT, font=HEI, indent=True, keep_next=True)


def _windows(doc: DocumentObject, items: str) -> None:
    t = table(doc, _WINDOW_CM)
    row(t, _WINDOW, header=True, size=TABLE_PT)
    loop_row(t, f"{{%tr for w in {items} %}}")
    row(t, _WINDOW_CELLS, size=TABLE_PT)
    loop_row(t, "{%tr endfor %}")


def ranking_bulletin() -> DocumentObject:
    doc = new_document("通报", body_pt=FORM_PT, landscape=True)
    title(doc, "关于{{ month }}红旗窗口和服务标兵评比情况的通报")
    paragraph(doc, "各窗口、各进驻部门，企业代办服务中心：", size=FORM_PT, align="left")
    paragraph(doc, "按照{{ center.name }}窗口和工作人员服务评比标准，现将{{ month }}评比情况通报如下。评比标准："
                   "{{ criteria }}", size=FORM_PT, indent=True)
    _heading(doc, "一、红旗窗口")
    paragraph(doc, "{% if flags %}下列窗口获评{{ month }}红旗窗口，予以通报表扬：{% else %}"
                   "本月没有达到红旗窗口标准的窗口。{% endif %}", size=FORM_PT, indent=True, keep_next=True)
    _windows(doc, "flags")
    _heading(doc, "二、服务标兵")
    paragraph(doc, "{% if models %}下列工作人员获评{{ month }}服务标兵，予以通报表扬：{% else %}"
                   "本月没有达到服务标兵标准的工作人员。{% endif %}", size=FORM_PT, indent=True, keep_next=True)
    t = table(doc, (1.3, 3.0, 5.6, 1.8, 1.9, 2.2, 1.9, 3.2, 2.8))
    row(t, ["名次", "姓名", "单位及岗位", "得分", "办结件数", "按时办结率", "提速率", "满意率（评价件数）",
            "逾期未整改"], header=True, size=TABLE_PT)
    loop_row(t, "{%tr for s in models %}")
    row(t, ["{{ s.rank }}", "{{ s.name }}", C("{{ s.unit }}{{ s.role }}", align="left"), "{{ s.score }}",
            "{{ s.completed }}", "{{ s.on_time_rate }}", "{{ s.speedup_rate }}",
            "{{ s.satisfaction_rate }}（{{ s.rated }}）", "{{ s.rectifications_overdue }}"], size=TABLE_PT)
    loop_row(t, "{%tr endfor %}")
    _heading(doc, "三、其他窗口")
    paragraph(doc, "{% if others %}其他有办结事项的窗口得分如下，请对照差距，查找原因，限期整改：{% else %}"
                   "本月没有其他有办结事项的窗口。{% endif %}", size=FORM_PT, indent=True, keep_next=True)
    _windows(doc, "others")
    paragraph(doc, "希望受到表扬的窗口和工作人员再接再厉；各窗口要以先进为榜样，提升办事效率和服务质量。",
              size=FORM_PT, indent=True)
    signature(doc, ["{{ center.name }}", "{{ issued_on|cn_date }}"], size=FORM_PT)
    return doc
