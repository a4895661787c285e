"""The shipped demo catalog is valid and is exactly the route of DOMAIN.md."""

from __future__ import annotations

import re

import pytest

from agency.catalog.format_model import STAGE_NAMES, CatalogFile, Item
from agency.catalog.yaml_format import load_demo_catalog

WD, CD = "workday", "calendar_day"
MILESTONE = "construction_complete"
JOINT_PARTS = {"xfys", "ghhs"}  # participants of 联合验收 on new_industrial, no longer items there

# DOMAIN.md "The approval route of a new industrial project", row by row:
# (#, code, stage, name, department, statutory, promised, after)
TABLE: list[tuple[int, str, str, str, str, tuple[int, str] | None, tuple[int, str], list[str]]] = [
    (1, "xmba", "立项用地规划", "企业投资项目备案", "发展和改革局", None, (1, WD), []),
    (2, "ydghxk", "立项用地规划", "建设用地规划许可证", "自然资源和规划局", (20, WD), (5, WD), ["xmba"]),
    (3, "tddj", "立项用地规划", "不动产权证书（土地）", "不动产登记中心", (30, WD), (5, WD), ["xmba"]),
    (4, "gcghxk", "工程建设许可", "建设工程规划许可证（含设计方案审查）", "自然资源和规划局", (20, WD), (7, WD),
     ["ydghxk", "tddj"]),
    (5, "hp", "工程建设许可", "环境影响评价审批（报告表）", "生态环境分局", (30, CD), (10, WD), ["xmba"]),
    (6, "jnsc", "工程建设许可", "节能审查", "发展和改革局", (20, WD), (5, WD), ["xmba"]),
    (7, "stbc", "工程建设许可", "水土保持方案审批", "水利局", (20, WD), (5, WD), ["xmba"]),
    (8, "sgtsc", "施工许可", "施工图审查（含消防、人防技术审查）", "住房和城乡建设局", (15, WD), (7, WD), ["gcghxk"]),
    (9, "xfsj", "施工许可", "特殊建设工程消防设计审查", "住房和城乡建设局", (15, WD), (5, WD), ["sgtsc"]),
    (10, "sgxk", "施工许可", "建筑工程施工许可证", "住房和城乡建设局", (7, WD), (3, WD),
     ["tddj", "hp", "jnsc", "sgtsc", "xfsj"]),
    (11, "dljr", "施工许可", "电力接入", "供电公司", None, (10, WD), ["sgxk"]),
    (12, "gsjr", "施工许可", "供水接入", "自来水公司", None, (5, WD), ["sgxk"]),
    (13, "xfys", "竣工验收", "特殊建设工程消防验收", "住房和城乡建设局", (15, WD), (7, WD), [MILESTONE]),
    (14, "ghhs", "竣工验收", "规划条件核实", "自然资源和规划局", (20, WD), (5, WD), [MILESTONE]),
    # The 15 days of 条例第四十九条 are the enterprise's, to file after acceptance: no statutory limit of the office.
    (15, "lhys", "竣工验收", "联合验收及竣工验收备案", "住房和城乡建设局", None, (5, WD), ["xfys", "ghhs"]),
    (16, "fwdj", "竣工验收", "不动产首次登记（房屋）", "不动产登记中心", (30, WD), (5, WD), ["lhys"]),
]  # fmt: skip

DEPARTMENTS = {
    "fgj": ("发展和改革局", "online"),
    "zrzy": ("自然资源和规划局", "online"),
    "bdc": ("不动产登记中心", "online"),
    "sthj": ("生态环境分局", "online"),
    "slj": ("水利局", "online"),
    "zjj": ("住房和城乡建设局", "online"),
    "gdgs": ("供电公司", "offline"),
    "zls": ("自来水公司", "offline"),
}
NINE_ELEMENTS = (
    "subject",
    "legal_basis",
    "conditions",
    "procedure",
    "time_limit_text",
    "result",
    "fee_basis",
    "fee_standard",
    "supervision",
)


@pytest.fixture(scope="module")
def catalog() -> CatalogFile:
    return load_demo_catalog()


def test_header(catalog: CatalogFile) -> None:
    assert catalog.version == "2026.1"
    assert catalog.effective_from.isoformat() == "2026-01-01"
    assert [r.code for r in catalog.routes] == ["new_industrial", "tech_upgrade"]


def test_departments(catalog: CatalogFile) -> None:
    assert {d.code: (d.name, d.mode) for d in catalog.departments} == DEPARTMENTS
    for d in catalog.departments:
        people = [d.contacts.chief_representative, d.contacts.leader_in_charge, d.contacts.main_leader]
        assert all(p.name for p in people)
        # Demo numbers only: office 0571-8800xxxx, mobile 1380000xxxx.
        assert all(re.fullmatch(r"0571-8800\d{4}|1380000\d{4}", p.phone) for p in people), d.code


def test_the_sixteen_items_of_the_table(catalog: CatalogFile) -> None:
    assert [i.code for i in catalog.items] == [row[1] for row in TABLE]
    names = {d.code: d.name for d in catalog.departments}
    for _, code, stage, name, department, statutory, promised, _after in TABLE:
        item = catalog.item(code)
        assert item is not None
        assert (item.name, STAGE_NAMES[item.stage], names[item.department]) == (name, stage, department)
        limit = item.statutory_limit
        assert (None if limit is None else (limit.count, limit.unit)) == statutory, code
        assert (item.promised_limit.count, item.promised_limit.unit) == promised, code


def test_new_industrial_route_matches_the_after_column(catalog: CatalogFile) -> None:
    route = catalog.route("new_industrial")
    assert route is not None
    # Issue 24: 消防验收 (13) and 规划核实 (14) are participants' opinions inside 联合验收 (15), not items of
    # this route; 联合验收 waits for 竣工 itself. The other fourteen rows are the table's.
    expected = {row[1]: row[7] for row in TABLE if row[1] not in JOINT_PARTS} | {"lhys": [MILESTONE]}
    assert {ri.item: ri.after for ri in route.items} == expected and len(route.items) == 14
    assert all(ri.required for ri in route.items)
    assert [(m.code, m.after) for m in route.milestones] == [(MILESTONE, ["sgxk"])]
    # Construction happens after the permit, so the joint acceptance waits for sgxk through the milestone.
    prerequisites = route.item_prerequisites()
    assert prerequisites["lhys"] == ["sgxk"]
    lhys = next(ri for ri in route.items if ri.item == "lhys")
    assert [(p.code, p.name) for p in lhys.participants] == [
        ("ghhs", "规划核实"), ("xfys", "消防验收"), ("rf", "人防验收"), ("da", "档案验收"), ("tdhy", "土地核验")]


def test_the_catalog_keeps_the_folded_items_and_the_certificates_come_from_the_joint_item(
        catalog: CatalogFile) -> None:
    # Still items of the catalog (tech_upgrade keeps 消防验收 as an item of its own) …
    assert all(catalog.item(code) is not None for code in JOINT_PARTS)
    tech_upgrade = catalog.route("tech_upgrade")
    assert tech_upgrade is not None and "xfys" in tech_upgrade.item_codes()
    # … and 房屋登记 reuses the 规划核实 certificate from the joint acceptance, which carries that opinion.
    fwdj = catalog.item("fwdj")
    assert fwdj is not None
    assert {m.code: m.produced_by for m in fwdj.materials if m.produced_by} == {
        "tdqz": "tddj", "ghhs": "lhys", "jgba": "lhys"}


def test_tech_upgrade_skips_items_2_to_4_and_14(catalog: CatalogFile) -> None:
    route = catalog.route("tech_upgrade")
    assert route is not None
    skipped = {"ydghxk", "tddj", "gcghxk", "ghhs"}
    assert route.item_codes() == [row[1] for row in TABLE if row[1] not in skipped]
    after = {ri.item: ri.after for ri in route.items}
    assert after["sgtsc"] == ["xmba"]
    assert after["sgxk"] == ["hp", "jnsc", "sgtsc", "xfsj"]
    assert after["lhys"] == ["xfys"]
    assert not skipped & {code for codes in after.values() for code in codes}
    assert {ri.item for ri in route.items if not ri.required} == {"dljr", "gsjr"}


def test_application_forms(catalog: CatalogFile) -> None:
    forms = {i.code: i.application_form for i in catalog.items if i.application_form is not None}
    assert forms == {code: f"application_form/{code}" for code in ("xmba", "ydghxk", "gcghxk", "hp", "sgxk", "xfsj")}


@pytest.mark.parametrize("code", [row[1] for row in TABLE])
def test_every_item_is_published_in_full(catalog: CatalogFile, code: str) -> None:
    item = catalog.item(code)
    assert item is not None
    for element in NINE_ELEMENTS:
        assert getattr(item, element).strip(), f"{code}.{element}"
    assert "12345" in item.supervision
    assert sum(m.required for m in item.materials) >= 3
    _check_extension_rules(item)


def _check_extension_rules(item: Item) -> None:
    if item.kind == "administrative_license":
        assert item.extension_allowed and item.extension_cap_workdays == 10
        assert item.suspension_allowed
    if item.kind == "filing":
        assert not item.extension_allowed and item.extension_cap_workdays is None


def test_construction_permit_materials_follow_the_county_guide(catalog: CatalogFile) -> None:
    item = catalog.item("sgxk")
    assert item is not None
    required = [m.name for m in item.materials if m.required]
    for fragment in (
        "申请表",
        "不动产权证书",
        "建设工程规划许可证",
        "审查合格书",
        "中标通知书或施工合同",
        "资金",
        "质量安全",
    ):
        assert any(fragment in name for name in required), fragment


def test_limits_by_scale_and_the_citations(catalog: CatalogFile) -> None:
    """施工图审查: 15 working days for a large project, 10 for a medium or small one (部令第13号); every legal citation
    stands in its item's text, and the one compared with the law's text says against what."""
    items = {i.code: i for i in catalog.items}
    by_scale = items["sgtsc"].statutory_limit_by_scale
    assert by_scale is not None
    assert (by_scale.large.count, by_scale.medium_and_small.count) == (15, 10)
    assert "第七条" not in items["sgxk"].legal_basis and "《中华人民共和国建筑法》第八条" in items["sgxk"].legal_basis
    assert "2018年、2021年修正" in items["sgxk"].legal_basis
    assert all(i.citations for i in catalog.items)
    checked = [(i.code, c.cite) for i in catalog.items for c in i.citations if c.checked]
    assert checked == [("sgxk", "《建筑工程施工许可管理办法》第五条")]
