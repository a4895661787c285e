"""The catalog format: every validation rule is refused with a message naming the element and field."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec
import pytest
import yaml

from agency.catalog.format_model import CatalogFile, Route
from agency.catalog.yaml_format import CatalogError, CatalogProblem, load_catalog, parse_catalog, validate_catalog

Contact = dict[str, str]
ENGLISH = re.compile(r"\b(Expected|Invalid|unknown|duplicate|required|missing|must|exceeds|cyclic|listed|got|error)\b",
                     re.IGNORECASE)


_PUBLIC = "subject legal_basis conditions procedure time_limit_text result fee_basis fee_standard supervision"
PUBLIC_TEXTS = _PUBLIC.split()


def _contacts(n: str) -> dict[str, Contact]:
    return {
        "chief_representative": {"name": f"首席{n}", "phone": "0571-88000001"},
        "leader_in_charge": {"name": f"分管{n}", "phone": "13800000002"},
        "main_leader": {"name": f"主要{n}", "phone": "13800000003", "email": "main@example.org"},
    }


def _item(code: str, department: str, *, statutory: int | None = 20, promised: int = 5) -> dict[str, Any]:
    return {
        "code": code,
        "name": f"事项{code}",
        "department": department,
        "stage": "land_planning",
        "kind": "administrative_license",
        **{key: f"{key}文本" for key in PUBLIC_TEXTS},
        "statutory_limit": None if statutory is None else {"count": statutory, "unit": "workday"},
        "promised_limit": {"count": promised, "unit": "workday"},
        "suspension_allowed": True,
        "extension_allowed": True,
        "extension_cap_workdays": 10,
        "application_form": f"application_form/{code}",
        "materials": [
            {"code": "sqb", "name": "申请表", "accepted_types": ["pdf", "docx"]},
            {"code": "yyzz", "name": "营业执照", "original": "copy", "required": False},
        ],
    }


BASE: dict[str, Any] = {
    "version": "2026.1",
    "effective_from": "2026-01-01",
    "departments": [
        {"code": "fgj", "name": "发展和改革局", "mode": "online", "contacts": _contacts("甲")},
        {"code": "zjj", "name": "住房和城乡建设局", "mode": "online", "contacts": _contacts("乙")},
        {"code": "gdgs", "name": "供电公司", "mode": "offline", "contacts": _contacts("丙")},
    ],
    "items": [
        _item("xmba", "fgj", statutory=None, promised=1),
        _item("sgxk", "zjj", statutory=7, promised=3),
        _item("dljr", "gdgs", statutory=None, promised=10),
        _item("xfys", "zjj", statutory=15, promised=7),
    ],
    "routes": [
        {
            "code": "r1",
            "name": "路线一",
            "items": [
                {"item": "xmba"},
                {"item": "sgxk", "after": ["xmba"]},
                {"item": "dljr", "after": ["sgxk"], "parallel_group": "utilities"},
                {"item": "xfys", "after": ["done"], "parallel_group": "utilities"},
            ],
            "milestones": [{"code": "done", "name": "竣工", "after": ["sgxk"]}],
            "escalation": {"yellow_ratio": 0.8, "green_channel": {"yellow_ratio": 0.6, "l3_after_workdays": 0}},
        }
    ],
}


def _dump(data: Any) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def _problems(text: str) -> list[CatalogProblem]:
    with pytest.raises(CatalogError) as info:
        load_catalog(text)
    return info.value.problems


def _mutated(change: Callable[[dict[str, Any]], Any]) -> str:
    data = copy.deepcopy(BASE)
    change(data)
    return _dump(data)


def test_base_catalog_is_valid() -> None:
    cf = load_catalog(_dump(BASE))
    assert [i.code for i in cf.items] == ["xmba", "sgxk", "dljr", "xfys"]
    assert cf.items[0].statutory_limit is None
    assert cf.items[0].materials[1].original == "copy"
    assert cf.items[0].materials[1].accepted_types == ["pdf"]  # the default
    assert cf.routes[0].item_prerequisites() == {"xmba": [], "sgxk": ["xmba"], "dljr": ["sgxk"], "xfys": ["sgxk"]}


def _set(path: tuple[Any, ...], value: Any) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        node: Any = data
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = value

    return change


def _append(path: tuple[Any, ...], value: Any) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        node: Any = data
        for part in path:
            node = node[part]
        node.append(copy.deepcopy(value))

    return change


def _delete(path: tuple[Any, ...]) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        node: Any = data
        for part in path[:-1]:
            node = node[part]
        del node[path[-1]]

    return change


# (rule, change, where, field, a fragment of the message)
RULES: list[tuple[str, Callable[[dict[str, Any]], Any], str, str, str]] = [
    ("wrong type", _set(("items", 1, "promised_limit", "count"), "three"), "事项 sgxk", "promised_limit.count",
     "应为整数，实为文本"),
    ("unknown field", _set(("items", 1, "deparment"), "zjj"), "事项 sgxk", "deparment", "未知字段"),
    ("missing field", _delete(("items", 1, "kind")), "事项 sgxk", "kind", "缺少必填字段"),
    ("unknown stage", _set(("items", 1, "stage"), "building"), "事项 sgxk", "stage", "不是可选的值 'building'"),
    ("bad code", _set(("items", 1, "code"), "施工许可"), "事项 施工许可", "code", "须为代码"),
    ("code not a string", _set(("items", 1, "code"), 123), "第 2 个事项", "code", "应为文本，实为整数"),
    ("unknown department", _set(("items", 1, "department"), "zjjj"), "事项 sgxk", "department",
     "目录中没有部门 zjjj"),
    ("unknown prerequisite", _set(("routes", 0, "items", 1, "after"), ["xmbaa"]), "路线 r1", "items[sgxk].after[0]",
     "未知的前置条件 xmbaa"),
    ("prerequisite outside the route", _set(("routes", 0, "items", 1, "after"), ["xmba", "fake"]), "路线 r1",
     "items[sgxk].after[1]", "未知的前置条件 fake"),
    ("cycle", _set(("routes", 0, "items", 0, "after"), ["dljr"]), "路线 r1", "items[xmba].after",
     "前置条件循环：xmba → dljr → sgxk → xmba"),
    ("cycle through a milestone", _set(("routes", 0, "milestones", 0, "after"), ["xfys"]), "路线 r1",
     "items[xfys].after", "前置条件循环：xfys → done → xfys"),
    ("self prerequisite", _set(("routes", 0, "items", 0, "after"), ["xmba"]), "路线 r1", "items[xmba].after",
     "前置条件循环：xmba → xmba"),
    ("promised above statutory", _set(("items", 1, "promised_limit", "count"), 8), "事项 sgxk", "promised_limit",
     "承诺时限 8 个工作日 超过了法定时限 7 个工作日"),
    ("promised above statutory across units",
     _set(("items", 1, "statutory_limit"), {"count": 4, "unit": "calendar_day"}), "事项 sgxk", "promised_limit",
     "超过了法定时限 4 日（自然日）"),
    ("unknown unit", _set(("items", 1, "statutory_limit", "unit"), "day"), "事项 sgxk", "statutory_limit.unit",
     "不是可选的值 'day'；可选：workday（工作日）、calendar_day（自然日）"),
    ("zero count", _set(("items", 1, "promised_limit", "count"), 0), "事项 sgxk", "promised_limit.count",
     "须为不小于 1 的整数"),
    ("negative count", _set(("items", 1, "statutory_limit", "count"), -5), "事项 sgxk", "statutory_limit.count",
     "须为不小于 1 的整数"),
    ("zero copies", _set(("items", 1, "materials", 0, "copies"), 0), "事项 sgxk", "materials[sqb].copies",
     "须为不小于 1 的整数"),
    ("unknown file type", _set(("items", 1, "materials", 0, "accepted_types"), ["pdf", "exe"]), "事项 sgxk",
     "materials[sqb].accepted_types[1]", "不是可选的值 'exe'"),
    ("unknown original", _set(("items", 1, "materials", 0, "original"), "scan"), "事项 sgxk",
     "materials[sqb].original", "不是可选的值 'scan'；可选：original（原件）"),
    ("extension cap without extension", _set(("items", 1, "extension_allowed"), False), "事项 sgxk",
     "extension_cap_workdays", "不可延期"),
    ("extension without cap", _delete(("items", 1, "extension_cap_workdays")), "事项 sgxk", "extension_cap_workdays",
     "延期须有上限"),
    ("duplicate department", _append(("departments",), BASE["departments"][0]), "部门 fgj", "code",
     "部门代码 fgj 重复（与第 1 个部门相同）"),
    ("duplicate item", _append(("items",), BASE["items"][1]), "事项 sgxk", "code", "事项代码 sgxk 重复"),
    ("duplicate material", _append(("items", 1, "materials"), {"code": "sqb", "name": "又一张申请表"}), "事项 sgxk",
     "materials[sqb].code", "材料代码 sqb 重复（与第 1 项材料相同）"),
    ("duplicate route", _append(("routes",), BASE["routes"][0]), "路线 r1", "code", "路线代码 r1 重复"),
    ("duplicate milestone", _append(("routes", 0, "milestones"), {"code": "done", "name": "又竣工"}), "路线 r1",
     "milestones[done].code", "节点代码 done 重复"),
    ("duplicate route item", _append(("routes", 0, "items"), {"item": "sgxk"}), "路线 r1", "items[sgxk].item",
     "事项 sgxk 列了两次"),
    ("duplicate prerequisite", _set(("routes", 0, "items", 1, "after"), ["xmba", "xmba"]), "路线 r1",
     "items[sgxk].after[1]", "前置条件 xmba 列了两次"),
    ("unknown route item", _append(("routes", 0, "items"), {"item": "zzz", "after": ["xmba"]}), "路线 r1",
     "items[zzz].item", "目录中没有事项 zzz"),
    ("milestone clashes with an item", _append(("routes", 0, "milestones"), {"code": "sgxk", "name": "施工许可"}),
     "路线 r1", "milestones[sgxk].code", "节点代码 sgxk 与事项代码 sgxk 相同"),
    ("milestone clashes with a catalog item", _append(("routes", 0, "milestones"), {"code": "dljr", "name": "接电"}),
     "路线 r1", "milestones[dljr].code", "节点代码 dljr 与事项代码"),
    ("dependent items in one parallel group", _set(("routes", 0, "items", 1, "parallel_group"), "utilities"),
     "路线 r1", "items[dljr].parallel_group", "dljr 须等 sgxk 办结"),
    ("required after optional", _set(("routes", 0, "items", 1, "required"), False), "路线 r1",
     "items[dljr].after[0]", "必办事项等待可选事项 sgxk"),
    ("green channel laxer", _set(("routes", 0, "escalation", "green_channel", "yellow_ratio"), 0.9), "路线 r1",
     "escalation.green_channel.yellow_ratio", "不能高于路线的 yellow_ratio"),
    ("yellow ratio out of range", _set(("routes", 0, "escalation", "yellow_ratio"), 1.5), "路线 r1",
     "escalation.yellow_ratio", "须为不大于 1.0 的数"),
    ("empty route", _set(("routes", 0), {"code": "r1", "name": "空", "items": []}), "路线 r1", "items",
     "至少须有一个事项"),
    ("bad phone", _set(("departments", 0, "contacts", "main_leader", "phone"), "call me"), "部门 fgj",
     "contacts.main_leader.phone", "须为电话号码"),
    ("unknown mode", _set(("departments", 2, "mode"), "paper"), "部门 gdgs", "mode",
     "不是可选的值 'paper'；可选：online（线上办理）"),
    ("bad version", _set(("version",), "v1"), "目录", "version", "版本号，如 \"2026.1\""),
    ("bad date", _set(("effective_from",), "2026-13-01"), "目录", "effective_from", "日期"),
    ("not a date", _set(("effective_from",), "soon"), "目录", "effective_from", "须为“年-月-日”格式的日期"),
    ("unknown top-level key", _set(("extras",), 1), "目录", "extras", "未知字段（可用字段：version、effective_from"),
    ("items missing", _delete(("items",)), "目录", "items", "缺少必填字段"),
    ("items not a list", _set(("items",), {"a": 1}), "目录", "items", "应为列表，实为映射"),
]  # fmt: skip


@pytest.mark.parametrize(("change", "where", "field", "message"), [r[1:] for r in RULES], ids=[r[0] for r in RULES])
def test_rule_is_refused_naming_element_and_field(
    change: Callable[[dict[str, Any]], Any], where: str, field: str, message: str
) -> None:
    problems = _problems(_mutated(change))
    matching = [p for p in problems if p.where == where and p.field == field and message in p.message]
    assert matching, "\n".join(str(p) for p in problems)
    assert matching[0].line is not None
    assert str(matching[0]).startswith(f"第 {matching[0].line} 行，{where}")
    # Chinese for the admin: none of the English of msgspec, PyYAML or the rules is left in any problem.
    assert not [p for p in problems if ENGLISH.search(p.message)], [p.message for p in problems]
    assert f"的字段 {field}：" in str(matching[0])


def test_problem_reads_like_a_sentence_with_its_line() -> None:
    problem = CatalogProblem(where="事项 sgxk", field="department", message="目录中没有部门 zjjj", line=57)
    assert str(problem) == "第 57 行，事项 sgxk 的字段 department：目录中没有部门 zjjj"
    assert str(CatalogProblem(where="目录", field="", message="目录文件为空")) == "目录：目录文件为空"
    assert str(CatalogProblem(where="目录", field="version", message="缺少必填字段", line=1)) == (
        "第 1 行，目录的字段 version：缺少必填字段")


def test_unknown_department_gives_the_line_of_the_field() -> None:
    text = _mutated(_set(("items", 1, "department"), "zjjj"))
    expected_line = text.splitlines().index("  department: zjjj") + 1
    assert expected_line > 1
    problems = _problems(text)
    assert [str(p) for p in problems] == [
        f"第 {expected_line} 行，事项 sgxk 的字段 department：目录中没有部门 zjjj"
    ]


def test_yaml_syntax_error_has_its_line() -> None:
    problems = _problems('version: "2026.1"\neffective_from: 2026-01-01\ndepartments: [\n  {code: a\nitems: []\n')
    assert len(problems) == 1
    assert problems[0].where == "目录"
    assert problems[0].message.startswith("YAML 语法错误：")
    assert problems[0].line in (4, 5)


def test_duplicate_yaml_key_is_refused() -> None:
    text = _dump(BASE).replace("version: '2026.1'\n", "version: '2026.1'\nversion: '2026.2'\n")
    problems = _problems(text)
    assert [(p.field, p.line) for p in problems] == [("version", 2)]
    assert "键重复（第 1 行已给出）" in problems[0].message


def test_merge_keys_may_override_without_counting_as_duplicates() -> None:
    text = _dump(BASE).replace("  - code: fgj\n", "  - &fgj\n    code: fgj\n", 1)
    text = text.replace(
        "  - code: zjj\n    name: 住房和城乡建设局\n", "  - <<: *fgj\n    code: zjj\n    name: 住房和城乡建设局\n"
    )
    cf = load_catalog(text)
    assert [d.code for d in cf.departments] == ["fgj", "zjj", "gdgs"]


def test_unquoted_version_hints_at_quoting() -> None:
    problems = _problems(_dump(BASE).replace("version: '2026.1'", "version: 2026.1"))
    assert problems[0].field == "version"
    assert "请在 YAML 中给该值加引号" in problems[0].message


def test_every_problem_is_reported_at_once_in_file_order() -> None:
    def change(data: dict[str, Any]) -> None:
        data["version"] = "x"
        data["departments"][1]["mode"] = "paper"  # zjj is unusable, but known: no cascade
        data["items"][0]["department"] = "nope"
        data["items"][1]["promised_limit"]["count"] = 0
        data["items"][1]["extension_allowed"] = "perhaps"
        data["items"][3]["promised_limit"]["count"] = 99
        data["routes"][0]["items"][1]["after"] = ["ghost"]

    problems = _problems(_mutated(change))
    summary = [(p.where, p.field) for p in problems]
    assert summary == [
        ("目录", "version"),
        ("部门 zjj", "mode"),
        ("事项 xmba", "department"),
        ("事项 sgxk", "promised_limit.count"),
        ("事项 sgxk", "extension_allowed"),
        ("事项 xfys", "promised_limit"),
        ("路线 r1", "items[sgxk].after[0]"),
    ]
    lines = [p.line for p in problems]
    assert all(line is not None for line in lines)
    assert lines == sorted(lines)  # type: ignore[type-var]
    assert str(CatalogError(problems)).startswith("目录文件有 7 处错误：\n  - 第 1 行，目录的字段 version")


def test_broken_element_does_not_cascade_to_references() -> None:
    problems = _problems(_mutated(_set(("items", 1, "kind"), "permit")))
    assert [(p.where, p.field) for p in problems] == [("事项 sgxk", "kind")]


def test_impossible_unquoted_date_gives_its_line() -> None:
    text = _dump(BASE).replace("effective_from: '2026-01-01'", "effective_from: 2026-02-30")
    problems = _problems(text)
    assert [str(p) for p in problems] == [
        "第 2 行，目录的字段 effective_from：日期无效：没有这一天，请检查年、月、日"
    ]


def test_not_a_mapping_and_empty_text() -> None:
    assert _problems("- a\n- b\n")[0].message == "目录文件的顶层须为映射（键: 值），实为列表"
    assert _problems("")[0].message == "目录文件为空"
    assert _problems("# only a comment\n")[0].message == "目录文件为空"
    assert _problems("~\n")[0].message == "目录文件为空"


def test_alias_bomb_is_refused() -> None:
    lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    lines += [f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]" for i in range(1, 12)]
    problems = _problems("\n".join(lines))
    assert "文档展开后超过" in problems[0].message


def test_parse_only_checks_shape_and_validate_only_rules() -> None:
    text = _mutated(_set(("items", 1, "department"), "zjjj"))
    cf = parse_catalog(text)
    assert isinstance(cf, CatalogFile)
    with pytest.raises(CatalogError) as info:
        validate_catalog(cf)
    assert [str(p) for p in info.value.problems] == ["事项 sgxk 的字段 department：目录中没有部门 zjjj"]


def test_validate_catalog_on_a_built_catalog() -> None:
    cf = load_catalog(_dump(BASE))
    broken = msgspec.structs.replace(
        cf,
        routes=[
            msgspec.structs.replace(cf.routes[0], milestones=[*cf.routes[0].milestones, cf.routes[0].milestones[0]])
        ],
    )
    with pytest.raises(CatalogError) as info:
        validate_catalog(broken)
    assert [(p.where, p.field, p.line) for p in info.value.problems] == [("路线 r1", "milestones[done].code", None)]


def test_promised_in_workdays_within_calendar_statutory_passes() -> None:
    # 环评: 10 WD promised against 30 calendar days statutory ≈ 14 calendar days: fine.
    text = _mutated(_set(("items", 3, "statutory_limit"), {"count": 30, "unit": "calendar_day"}))
    text = text.replace("count: 7\n", "count: 10\n")
    cf = load_catalog(text)
    assert cf.items[3].statutory_limit is not None and cf.items[3].statutory_limit.unit == "calendar_day"


def test_item_prerequisites_look_through_milestones() -> None:
    route = msgspec.convert(
        {
            "code": "r",
            "name": "r",
            "items": [{"item": "a"}, {"item": "b", "after": ["m2"]}],
            "milestones": [
                {"code": "m1", "name": "m1", "after": ["a"]},
                {"code": "m2", "name": "m2", "after": ["m1", "a"]},
            ],
        },
        Route,
    )
    assert route.item_prerequisites() == {"a": [], "b": ["a"]}


def test_the_example_of_the_format_document_loads() -> None:
    doc = Path(__file__).parents[3] / "docs" / "catalog-format.md"
    example = re.search(r"```yaml\n(.*?)```", doc.read_text(encoding="utf-8"), re.DOTALL)
    assert example is not None
    cf = load_catalog(example.group(1))
    assert [i.code for i in cf.items] == ["sgxk", "xfys"]
    assert cf.routes[0].item_prerequisites() == {"sgxk": [], "xfys": ["sgxk"]}


def test_more_than_one_document_is_refused() -> None:
    problems = _problems(_dump(BASE) + "---\nversion: '2026.2'\n")
    assert len(problems) == 1
    assert "只能包含一个 YAML 文档" in problems[0].message
    assert problems[0].line is not None
