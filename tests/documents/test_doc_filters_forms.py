"""Filters print Chinese papers' conventions; application forms know which facts they need."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import msgspec
import pytest

from documents import APPLICATION_FORMS, REGISTRY, ApplicationFormContext, missing_fields
from documents.examples import example_context
from documents.filters import check, cn_date, filesize, level_fill, level_zh, num, short_hash, status_zh
from documents.registry import application_form_code, get_spec
from documents.samples import sample_context


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (date(2026, 11, 25), "2026年11月25日"),
        (date(2027, 1, 5), "2027年1月5日"),
        (datetime(2026, 3, 8, 23, 59), "2026年3月8日"),
        ("2026-11-25", "2026年11月25日"),
        (None, ""),
        ("", ""),
    ],
)
def test_cn_date(value: object, expected: str) -> None:
    assert cn_date(value) == expected


def test_cn_date_blank_placeholder_and_bad_input() -> None:
    assert cn_date(None, "　　年　月　日") == "　　年　月　日"
    with pytest.raises(TypeError):
        cn_date(20261125)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(Decimal("36000"), "36000"), (Decimal("85.60"), "85.6"), (0.1 + 0.2, "0.3"), (12, "12"), (None, "")],
)
def test_num(value: object, expected: str) -> None:
    assert num(value) == expected


def test_filesize_short_hash_check() -> None:
    assert filesize(845) == "845 B"
    assert filesize(12_600) == "12.3 KB"
    assert filesize(6_600_000) == "6.3 MB"
    assert filesize(3 * 1024**3) == "3.00 GB"
    assert short_hash("ABCDEF0123456789" * 4) == "abcdef012345"
    assert (check(True), check(False)) == ("☑", "□")


def test_status_and_level_words() -> None:
    assert status_zh("supplement_requested") == "待补正"
    assert status_zh("已受理") == "已受理"  # already Chinese: printed as given
    assert [level_zh(x) for x in ("prompt", "yellow", "red", "l3")] == ["提示", "黄牌", "红牌", "督办"]
    assert level_fill("red") != level_fill("yellow") != level_fill("none") == "auto"


def test_every_application_form_is_registered_under_its_item() -> None:
    assert set(APPLICATION_FORMS) == {
        "xmba",
        "ydghxk",
        "gcghxk",
        "hp",
        "sgxk",
        "xfsj",
    }
    for item_code, form in APPLICATION_FORMS.items():
        spec = get_spec(application_form_code(item_code))
        assert spec.scope == "approval" and spec.name_zh == form.title and spec.name_zh.endswith("申请表")


def test_sample_dossier_has_every_fact_the_forms_need() -> None:
    for item_code in APPLICATION_FORMS:
        ctx = sample_context(application_form_code(item_code))
        assert isinstance(ctx, ApplicationFormContext)
        assert missing_fields(ctx) == []


def test_missing_fields_are_listed_in_chinese() -> None:
    ctx = sample_context(application_form_code("sgxk"))
    assert isinstance(ctx, ApplicationFormContext)
    sparse = msgspec.structs.replace(
        ctx,
        enterprise=msgspec.structs.replace(ctx.enterprise, contact_phone=" "),
        project=msgspec.structs.replace(ctx.project, building_area_m2=None, supervision_unit="", planned_start=None),
    )
    assert missing_fields(sparse) == ["联系电话", "总建筑面积（㎡）", "计划开工日期", "监理单位"]


def test_missing_fields_of_an_item_without_a_form() -> None:
    ctx = msgspec.structs.replace(example_context(ApplicationFormContext), item_code="dljr")
    with pytest.raises(KeyError, match="dljr"):
        missing_fields(ctx)


def test_unknown_template_code() -> None:
    with pytest.raises(KeyError, match="no_such_paper"):
        get_spec("no_such_paper")


def test_every_form_the_demo_catalog_names_exists() -> None:
    # The catalog is the service's data, read here as a file: documents must not import agency.
    import yaml

    catalog = Path(__file__).resolve().parents[2] / "agency" / "catalog" / "data" / "demo_catalog.yaml"
    if not catalog.is_file():
        pytest.skip(f"no demo catalog at {catalog}")
    items = yaml.safe_load(catalog.read_text(encoding="utf-8"))["items"]
    named = {item["application_form"] for item in items if item.get("application_form")}
    assert named and named <= set(REGISTRY), sorted(named - set(REGISTRY))
    for item in items:
        if item.get("application_form"):
            assert item["application_form"] == application_form_code(item["code"])
