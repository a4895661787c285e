"""A route item's ``participants`` (联合验收): the demo's joint item, and what the import refuses."""

from __future__ import annotations

from importlib import resources

import pytest
import yaml

from agency.catalog.yaml_format import CatalogError, load_catalog

DEMO = resources.files("agency.catalog").joinpath("data/demo_catalog.yaml").read_text(encoding="utf-8")


def _joint_entry(data: dict) -> dict:  # type: ignore[type-arg]
    route = next(r for r in data["routes"] if r["code"] == "new_industrial")
    return next(i for i in route["items"] if i["item"] == "lhys")


def test_the_demo_joint_acceptance_names_its_five_participants() -> None:
    route = next(r for r in load_catalog(DEMO).routes if r.code == "new_industrial")
    entry = next(i for i in route.items if i.item == "lhys")
    assert [(p.code, p.name, p.department) for p in entry.participants] == [
        ("ghhs", "规划核实", "zrzy"), ("xfys", "消防验收", "zjj"), ("rf", "人防验收", "zjj"), ("da", "档案验收", "zjj"),
        ("tdhy", "土地核验", "zrzy")]
    upgrade = next(r for r in load_catalog(DEMO).routes if r.code == "tech_upgrade")
    assert all(not i.participants for i in upgrade.items)


@pytest.mark.parametrize(("change", "message"), [
    (lambda parts: parts.append({"code": "ghhs", "name": "规划核实（重复）", "department": "zrzy"}),
     'participant "ghhs" is listed twice'),
    (lambda parts: parts.append({"code": "rfb", "name": "人防", "department": "nosuch"}),
     'unknown department "nosuch"'),
])
def test_a_participant_twice_or_of_an_unknown_department_is_refused(change: object, message: str) -> None:
    data = yaml.safe_load(DEMO)
    change(_joint_entry(data)["participants"])  # type: ignore[operator]
    with pytest.raises(CatalogError) as info:
        load_catalog(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    assert any(message in str(p) for p in info.value.problems), info.value.problems
