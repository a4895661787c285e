"""The catalog written back as YAML reads back the same, and the diff names the fields that changed."""

from __future__ import annotations

import msgspec

from agency.catalog.changes import changed_fields, department_changes, diff, list_changes
from agency.catalog.export import catalog_yaml
from agency.catalog.yaml_format import load_catalog, load_demo_catalog


def test_the_demo_catalog_written_back_reads_back_the_same() -> None:
    demo = load_demo_catalog()
    text = catalog_yaml(demo, heading="审批事项目录\n测试")
    assert text.startswith("# 审批事项目录\n# 测试\n")
    assert msgspec.to_builtins(load_catalog(text)) == msgspec.to_builtins(demo)
    # Defaults are left out, as a person writes the file: no "required: true", no empty lists.
    assert "required: true" not in text and "fees: []" not in text
    assert "version: '2026.1'" in text and "promised_limit: {count: 3, unit: workday}" in text


def test_the_diff_names_codes_and_the_fields_that_differ() -> None:
    old = {"a": {"name": "甲", "promised_limit": {"count": 3}}, "b": {"name": "乙"}}
    new = {"a": {"name": "甲", "promised_limit": {"count": 2}}, "c": {"name": "丙"}}
    assert diff(old, new) == {"added": ["c"], "changed": ["a"], "removed": ["b"], "unchanged": []}
    assert changed_fields(old, new) == {"a": ["promised_limit"]}
    assert list_changes([{"code": "x"}, {"code": "y", "copies": 1}], [{"code": "y", "copies": 2}, {"code": "z"}]) == {
        "added": ["z"], "removed": ["x"], "changed": ["y"]}


def test_a_contact_without_email_equals_the_same_contact_read_from_a_file() -> None:
    row = {"name": "水利局", "mode": "online", "contacts": {"main_leader": {"name": "甲", "phone": "1"}},
           "kind": "authority", "reconsideration_body": None, "court": None, "doc_prefix": "示水告"}
    incoming = {**row, "code": "slj", "contacts": {"main_leader": {"name": "甲", "phone": "1", "email": None}}}
    assert department_changes({"slj": row}, [incoming]) == ({"added": [], "changed": []}, {})
    renamed = {**incoming, "name": "水务局"}
    assert department_changes({"slj": row}, [renamed]) == ({"added": [], "changed": ["slj"]}, {"slj": ["name"]})
