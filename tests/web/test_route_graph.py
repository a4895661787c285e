"""The route graph's layout: each item below what it waits for, one arrow per prerequisite, names escaped."""

from __future__ import annotations

import re

import msgspec

from agency.catalog.format_model import Route
from agency.web.route_graph import route_svg


def _route() -> Route:
    return msgspec.convert({"code": "r", "name": "路线<一>", "items": [
        {"item": "a"}, {"item": "b", "after": ["a"]}, {"item": "c", "after": ["a"], "required": False},
        {"item": "d", "after": ["m"]}],
        "milestones": [{"code": "m", "name": "竣工", "after": ["b"]}]}, Route)


def _boxes(svg: str) -> dict[str, tuple[int, int]]:
    return {code: (int(x), int(y)) for code, x, y in
            re.findall(r'<g data-code="(\w+)">.*?<rect x="(\d+)" y="(\d+)"', svg)}


def test_each_item_sits_below_what_it_waits_for() -> None:
    svg = str(route_svg(_route(), {"a": "甲<b>", "b": "乙", "c": "丙", "d": "丁"},
                        {"a": "land_planning", "b": "construction_permit", "c": "construction_permit",
                         "d": "completion_acceptance"}, "g"))
    boxes = _boxes(svg)
    assert set(boxes) == {"a", "b", "c", "m", "d"}
    assert boxes["a"][1] < boxes["b"][1] == boxes["c"][1] < boxes["m"][1] < boxes["d"][1]
    assert svg.count("marker-end=") == 4  # a→b, a→c, b→m, m→d
    assert "甲&lt;b&gt;" in svg and "路线&lt;一&gt;" in svg and "<b>" not in svg
    assert 'stroke-dasharray="5 3"' in svg  # the optional item
    assert "丁在◆" not in svg and "丁在竣工之后" in svg  # the description, for a screen reader
    assert "<script" not in svg
