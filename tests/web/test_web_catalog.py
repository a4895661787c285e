"""The administrator's catalog pages over HTTP: browsing items and routes (with the dependency graph), the YAML
download, and an import that first shows its diff and imports only once confirmed."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from agency.catalog.yaml_format import load_catalog
from tests.agency.catalog.test_catalog_api import edited_catalog, item
from tests.support import Api, FreshApi
from tests.web.browsers import Browser

NINE_LABELS = ("实施主体与申请人", "设定依据", "受理条件", "办理程序", "办理时限", "办理结果", "收费依据", "收费标准",
               "监督渠道")


async def _admin(api: Api) -> Browser:
    admin = await api.create_user("admin")
    browser = Browser(api.client)
    await browser.login(admin.username)
    return browser


def _faster_permit(data: dict[str, Any]) -> None:
    data["version"] = "2026.2"
    item(data, "sgxk")["promised_limit"] = {"count": 2, "unit": "workday"}
    item(data, "sgxk")["materials"].append({"code": "aqjd", "name": "安全监督手续", "required": False})


def _visible(html: str) -> str:
    """The text of a page without tags, attributes, scripts and styles."""
    html = re.sub(r"<(script|style|title)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


async def test_admin_browses_items_with_their_nine_elements_and_routes_with_their_graph(api: Api) -> None:
    browser = await _admin(api)
    listing = await browser.get("/app/admin/catalog")
    assert listing.status_code == 200
    assert "现行版本 2026.1" in listing.text
    assert "建筑工程施工许可证" in listing.text and "新建工业项目审批路线" in listing.text
    row = re.search(r'<tr data-code="sgxk">.*?</tr>', listing.text, re.S)
    assert row and "住房和城乡建设局" in row.group(0) and "3 个工作日" in row.group(0)
    # Names, not codes: no item or department code is in the text a person reads.
    assert not re.search(r"\b(sgxk|xmba|zjj|fgj|new_industrial)\b", _visible(listing.text))

    permit = await browser.get("/app/admin/catalog/items/sgxk")
    assert permit.status_code == 200
    for label in NINE_LABELS:
        assert f"<dt>{label}</dt>" in permit.text, label
    assert "《中华人民共和国建筑法》" in permit.text
    assert "建筑工程施工许可证申请表" in permit.text
    assert re.search(r'id="promised-limit">3 个工作日<', permit.text)
    assert "法定时限</dt><dd>7 个工作日" in permit.text
    assert "新建工业项目审批路线" in permit.text

    route = await browser.get("/app/admin/catalog/routes/new_industrial")
    assert route.status_code == 200
    svg = re.search(r'<svg class="route-graph".*?</svg>', route.text, re.S)
    assert svg, route.text[-2000:]
    graph = svg.group(0)
    # One box per item and milestone of the route (14 items: 消防验收 and 规划核实 are inside 联合验收 there),
    # one arrow per prerequisite (19, the milestone's included); drawn on the server, no script.
    assert graph.count("<rect ") == 14 + 1
    assert graph.count("marker-end=") >= 19
    assert "企业投资项目备案" in graph and "◆ 竣工" in graph
    # The page's only scripts are the app's own static files (the file picker): the graph needs none.
    scripts = re.findall(r"<script[^>]*>", route.text.split("</header>")[1])
    assert all('src="/static/' in tag for tag in scripts), scripts
    assert "建筑工程施工许可证在" in graph  # the description says what it waits for, for a screen reader

    assert (await browser.get("/app/admin/catalog/items/nothing")).status_code == 404
    assert (await browser.get("/app/admin/catalog/routes/nothing")).status_code == 404


async def test_download_is_the_catalog_as_importable_yaml_with_a_chinese_file_name(api: Api) -> None:
    browser = await _admin(api)
    response = await browser.get("/app/admin/catalog/download")
    assert response.status_code == 200
    assert "filename*=UTF-8''%E4%BA%8B%E9%A1%B9%E7%9B%AE%E5%BD%95-2026.1.yaml" in response.headers[
        "content-disposition"]
    catalog = load_catalog(response.text)
    assert catalog.item("sgxk") is not None and len(catalog.routes) == 2


async def test_import_shows_the_diff_first_and_imports_only_when_confirmed(tmp_path: Path) -> None:
    async with FreshApi("sqlite", tmp_path) as api:
        browser = await _admin(api)
        token = await browser.token("/app/admin/catalog/import")
        text = edited_catalog(_faster_permit)
        preview = await browser.post("/app/admin/catalog", {"text": text}, token=token)
        assert preview.status_code == 200, preview.text[-2000:]
        assert 'id="catalog-preview"' in preview.text and "确认导入" in preview.text
        counts = re.sub(r"\s+", "", _visible(re.search(r'id="preview-counts".*?</div>', preview.text, re.S)
                                             .group(0)))  # type: ignore[union-attr]
        assert "0新增事项" in counts and "1修改事项" in counts and "0删除事项" in counts
        changed = re.search(r'id="changed-items".*?</table>', preview.text, re.S).group(0)  # type: ignore[union-attr]
        assert "建筑工程施工许可证" in changed
        promised = re.search(r'data-field="promised_limit">.*?</tr>', changed, re.S).group(0)  # type: ignore[union-attr]
        assert "承诺时限" in promised and "3 个工作日" in promised and "<strong>2 个工作日</strong>" in promised
        assert "新增：安全监督手续" in changed
        # Nothing is imported yet.
        assert "现行版本 2026.1" in (await browser.get("/app/admin/catalog")).text

        digest = re.search(r'name="sha256" value="([0-9a-f]{64})"', preview.text).group(1)  # type: ignore[union-attr]
        against = re.search(r'name="previewed_against" value="(\d+)"', preview.text).group(1)  # type: ignore[union-attr]
        assert digest == hashlib.sha256(text.encode()).hexdigest()
        # A confirmation of another text than the one previewed is only a new preview.
        other = await browser.post("/app/admin/catalog", {"text": text + "\n# 另改\n", "confirm": "1", "sha256": digest,
                                                          "previewed_against": against}, token=token)
        assert 'id="catalog-preview"' in other.text
        assert "现行版本 2026.1" in (await browser.get("/app/admin/catalog")).text

        done = await browser.post("/app/admin/catalog", {"text": text, "confirm": "1", "sha256": digest,
                                                         "previewed_against": against}, token=token)
        assert done.status_code == 200 and "已导入目录版本 2026.2" in done.text
        listing = await browser.get("/app/admin/catalog")
        assert "现行版本 2026.2" in listing.text
        row = re.search(r'<tr data-code="sgxk">.*?</tr>', listing.text, re.S)
        assert row and "2 个工作日" in row.group(0)

        # The same preview confirmed again after that import no longer describes what it would do: refused, and
        # the diff shown again as it is now (nothing left to change).
        stale = await browser.post("/app/admin/catalog", {"text": text, "confirm": "1", "sha256": digest,
                                                          "previewed_against": against}, token=token)
        assert stale.status_code == 409 and "请重新预览" in stale.text and 'id="no-changes"' in stale.text


async def test_import_errors_name_line_item_and_field_in_chinese(api: Api) -> None:
    browser = await _admin(api)
    data = yaml.safe_load(edited_catalog(lambda d: None))
    item(data, "xmba")["promised_limit"]["count"] = 0
    item(data, "hp")["department"] = "hbj"
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    response = await browser.post("/app/admin/catalog", {"text": text}, page="/app/admin/catalog/import")
    assert response.status_code == 422
    errors = re.search(r'id="catalog-errors".*?</div>', response.text, re.S).group(0)  # type: ignore[union-attr]
    count_line = next(n for n, row in enumerate(text.splitlines(), 1) if row.strip() == "count: 0")
    assert f"<li>第 {count_line} 行，事项 xmba 的字段 promised_limit.count：须为不小于 1 的整数</li>" in errors
    assert re.search(r"<li>第 \d+ 行，事项 hp 的字段 department：目录中没有部门 hbj</li>", errors)
    assert "未导入任何内容" in errors
    assert not re.search(r"Expected|unknown|Invalid|line \d", errors)
    assert 'id="catalog-preview"' not in response.text


@pytest.mark.parametrize("role", ["clerk", "leader"])
async def test_catalog_pages_are_the_administrators(api: Api, role: str) -> None:
    user = await api.create_user(role)
    browser = Browser(api.client)
    await browser.login(user.username)
    for path in ("/app/admin/catalog", "/app/admin/catalog/items/sgxk", "/app/admin/catalog/download"):
        assert (await browser.get(path)).status_code == 403, path
