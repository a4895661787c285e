"""The monthly rankings on the leader's pages: the table with its criteria, the spreadsheet and the printable 通报
naming the 红旗窗口 and 服务标兵 with their figures (one 施工许可 on time, sped up (7 − 0) ÷ 7 = 100%, rated 5: 满意率
100%, score 100 × 0.9 ÷ 0.9 = 100)."""

from __future__ import annotations

from io import BytesIO

import pytest
from openpyxl import load_workbook

from tests.agency.approvals.flow import approved_with_commitment
from tests.documents.conftest import docx_text
from tests.support import Api
from tests.web.browsers import Browser, browser_of


async def _browser(api: Api, headers: dict[str, str]) -> Browser:
    return await browser_of(api.client, str((await api.client.get("/api/me", headers=headers)).json()["username"]))


@pytest.mark.today("2026-10-21")
async def test_the_leader_reads_the_months_ranking_downloads_it_and_prints_the_bulletin(api: Api) -> None:
    d, sgxk = await approved_with_commitment(api)
    enterprise = await api.user_headers("enterprise", enterprise_id=d.enterprise_id)
    assert (await api.client.post("/api/evaluations", headers=enterprise,
                                  json={"approval_id": sgxk, "score": 5})).status_code == 201
    officer = (await d.get(sgxk))["handler"]["display_name"]
    leader = await _browser(api, await api.user_headers("leader"))
    assert "/app/reports/rankings" in (await leader.get("/app/dashboard")).text

    shown = await leader.get("/app/reports/rankings?month=2026-10")
    assert shown.status_code == 200
    assert "得分 = 100 × 按时办结率×0.4、提速率×0.2" in shown.text
    row = next(r for r in shown.text.split('id="ranking-windows"')[1].split("<tr>") if "住房和城乡建设局" in r)
    for figure in (">100.0<", ">100.0%<", "红旗窗口"):
        assert figure in row, figure
    assert officer in shown.text.split('id="ranking-staff"')[1] and "服务标兵" in shown.text
    bad = await leader.get("/app/reports/rankings?month=2026年10月")
    assert bad.status_code == 422 and "月份格式应为“年-月”，例如 2026-08。" in bad.text

    sheet = await leader.get("/app/reports/rankings.xlsx?month=2026-10")
    assert sheet.status_code == 200 and sheet.content[:2] == b"PK"
    book = load_workbook(BytesIO(sheet.content))
    windows = [list(r) for r in book["窗口排名"].iter_rows(min_row=3, values_only=True)]
    assert next(w for w in windows if w[1] == "住房和城乡建设局")[2:6] == [100, "是", 1, 1]

    bulletin = await leader.get("/app/reports/rankings/bulletin?month=2026-10")
    assert bulletin.status_code == 200
    text = bulletin.text
    assert "关于2026年10月“红旗窗口”和“服务标兵”评比结果的通报" in text and "国办发〔2019〕51号" in text
    flags = text.split('id="bulletin-flags"')[1].split("</ol>")[0]
    assert "住房和城乡建设局" in flags and "得分 100.0，办结 1 件，按时办结率 100.0%，提速率 100.0%" in flags
    assert "满意率 100.0%（评价 1 件）" in flags
    models = text.split('id="bulletin-models"')[1].split("</ol>")[0]
    assert officer in models and "住房和城乡建设局" in models
    assert "示范县行政服务中心" in text and "2026年10月21日" in text
    assert "本月无办结事项、不参加评比的窗口：" in text and "（第 " not in text.split("四、其他窗口")[1].split(
        "本月无办结事项")[0]  # the idle windows are named as idle, not ranked with a score of 0

    # The same 通报 as the center's paper, from its template (ranking_bulletin).
    assert "/app/reports/rankings/bulletin.docx?month=2026-10" in shown.text
    word = await leader.get("/app/reports/rankings/bulletin.docx?month=2026-10")
    assert word.status_code == 200 and word.content[:2] == b"PK"
    assert "filename*=UTF-8''" in word.headers["content-disposition"] and "attachment" in word.headers[
        "content-disposition"]
    paper_text = docx_text(word.content)
    assert "关于2026年10月红旗窗口和服务标兵评比情况的通报" in paper_text
    assert "得分 = 100 × 按时办结率×0.4" in paper_text
    assert "住房和城乡建设局" in paper_text and officer in paper_text and "100.0%（1）" in paper_text

    clerk = await _browser(api, d.clerk)
    for url in ("/app/reports/rankings", "/app/reports/rankings.xlsx?month=2026-10",
                "/app/reports/rankings/bulletin?month=2026-10", "/app/reports/rankings/bulletin.docx?month=2026-10"):
        assert (await clerk.get(url)).status_code == 403, url
