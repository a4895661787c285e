"""Rules that relate several values of a catalog: uniqueness, references, limits, the route DAG.

Each rule appends an ``Issue`` at the path of the value to fix and carries on, so that one run
reports everything. Elements that failed their own shape check are left out, but their codes are
passed in as ``known_*`` so that a typo in one item does not also flag every reference to it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from fractions import Fraction

from agency.catalog.format_model import STAGE_NAMES, Department, Escalation, Item, Limit, Route, Thresholds
from agency.catalog.format_yaml import Issue, Path

# Comparing a workday limit with a calendar-day one: a working week is 5 of 7 days. Holidays make
# a real span longer, so this only catches promises that are wrong in any week; the clock still
# computes both due dates exactly.
CALENDAR_DAYS_PER_WORKDAY = Fraction(7, 5)


def check_catalog(
    departments: Sequence[tuple[int, Department]],
    items: Sequence[tuple[int, Item]],
    routes: Sequence[tuple[int, Route]],
    *,
    known_departments: Iterable[str] = (),
    known_items: Iterable[str] = (),
) -> list[Issue]:
    """Every cross-value problem; the int of each pair is the element's index in the file."""
    issues: list[Issue] = []
    department_codes = _unique(((i, d.code) for i, d in departments), "departments", "部门", issues)
    item_codes = _unique(((i, it.code) for i, it in items), "items", "事项", issues)
    _unique(((i, r.code) for i, r in routes), "routes", "路线", issues)
    all_departments = department_codes | set(known_departments)
    all_items = item_codes | set(known_items)
    for i, item in items:
        _check_item(item, ("items", i), all_departments, issues)
        for j, material in enumerate(item.materials):
            if material.produced_by is not None and material.produced_by not in all_items:
                issues.append(Issue(("items", i, "materials", j, "produced_by"),
                                    f"目录中没有事项 {material.produced_by}"))
    for i, route in routes:
        _check_route(route, ("routes", i), all_items, issues)
        seen: set[str] = set()
        for j, stage in enumerate(route.stages):
            if stage.lead not in all_departments:
                issues.append(Issue(("routes", i, "stages", j, "lead"), f"目录中没有部门 {stage.lead}"))
            if stage.code in seen:
                issues.append(Issue(("routes", i, "stages", j, "code"),
                                    f"阶段 {stage.code}（{STAGE_NAMES.get(stage.code)}）列了两次"))
            seen.add(stage.code)
        for j, entry in enumerate(route.items):
            parts: set[str] = set()
            for k, part in enumerate(entry.participants):
                where = ("routes", i, "items", j, "participants", k)
                if part.department not in all_departments:
                    issues.append(Issue((*where, "department"), f'unknown department "{part.department}"'))
                if part.code in parts:
                    issues.append(Issue((*where, "code"), f'participant "{part.code}" is listed twice'))
                parts.add(part.code)
    return issues


def _unique(pairs: Iterable[tuple[int, str]], plural: str, noun: str, issues: list[Issue]) -> set[str]:
    first: dict[str, int] = {}
    for index, code in pairs:
        if code in first:
            issues.append(
                Issue((plural, index, "code"), f"{noun}代码 {code} 重复（与第 {first[code] + 1} 个{noun}相同）")
            )
        else:
            first[code] = index
    return set(first)


def _check_item(item: Item, path: Path, departments: set[str], issues: list[Issue]) -> None:
    if item.department not in departments:
        issues.append(Issue((*path, "department"), f"目录中没有部门 {item.department}"))
    seen: dict[str, int] = {}
    for i, material in enumerate(item.materials):
        if material.code in seen:
            issues.append(
                Issue(
                    (*path, "materials", i, "code"),
                    f"材料代码 {material.code} 重复（与第 {seen[material.code] + 1} 项材料相同）",
                )
            )
        else:
            seen[material.code] = i
        if material.produced_by is not None and material.produced_by == item.code:
            issues.append(Issue((*path, "materials", i, "produced_by"), "事项不能由自身产出自己的材料"))
    statutory, promised = item.statutory_limit, item.promised_limit
    if statutory is not None and _exceeds(promised, statutory):
        issues.append(
            Issue(
                (*path, "promised_limit"),
                f"承诺时限 {_show(promised)} 超过了法定时限 {_show(statutory)}",
            )
        )
    by_scale = item.statutory_limit_by_scale
    if by_scale is not None and statutory != by_scale.large:
        issues.append(Issue((*path, "statutory_limit"),
                            "须等于 statutory_limit_by_scale.large（项目规模确定之前适用它）"))
    if by_scale is not None and _exceeds(promised, by_scale.medium_and_small):
        smaller = _show(by_scale.medium_and_small)
        issues.append(Issue((*path, "promised_limit"),
                            f"承诺时限 {_show(promised)} 超过了中小型项目的法定时限 {smaller}"))
    for i, citation in enumerate(item.citations):
        if citation.cite not in item.legal_basis and citation.cite not in item.time_limit_text:
            issues.append(Issue((*path, "citations", i, "cite"),
                                "在 legal_basis 和 time_limit_text 中都找不到这条引文"))
        if citation.checked and not citation.source:
            issues.append(Issue((*path, "citations", i, "source"), "已核对的引文须写明据以核对的来源"))
    if not item.extension_allowed and item.extension_cap_workdays is not None:
        issues.append(Issue((*path, "extension_cap_workdays"), "不可延期（extension_allowed 为 false）时不能设定"))
    if item.extension_allowed and item.extension_cap_workdays is None:
        issues.append(
            Issue(
                (*path, "extension_cap_workdays"), "extension_allowed 为 true（可延期）时必填：延期须有上限"
            )
        )


def _exceeds(promised: Limit, statutory: Limit) -> bool:
    if promised.unit == statutory.unit:
        return promised.count > statutory.count
    return _calendar_days(promised) > _calendar_days(statutory)


def _calendar_days(limit: Limit) -> Fraction:
    return limit.count * CALENDAR_DAYS_PER_WORKDAY if limit.unit == "workday" else Fraction(limit.count)


def _show(limit: Limit) -> str:
    return f"{limit.count} {'个工作日' if limit.unit == 'workday' else '日（自然日）'}"


def _check_route(route: Route, path: Path, catalog_items: set[str], issues: list[Issue]) -> None:
    if not route.items:
        issues.append(Issue((*path, "items"), "路线至少须有一个事项"))
    in_route: dict[str, int] = {}
    for i, ri in enumerate(route.items):
        where = (*path, "items", i)
        if ri.item not in catalog_items:
            issues.append(Issue((*where, "item"), f"目录中没有事项 {ri.item}"))
        if ri.item in in_route:
            issues.append(
                Issue((*where, "item"), f"事项 {ri.item} 列了两次（与本路线第 {in_route[ri.item] + 1} 个事项相同）")
            )
        else:
            in_route[ri.item] = i
    milestones: dict[str, int] = {}
    for i, m in enumerate(route.milestones):
        where = (*path, "milestones", i, "code")
        if m.code in catalog_items or m.code in in_route:
            issues.append(Issue(where, f"节点代码 {m.code} 与事项代码 {m.code} 相同"))
        elif m.code in milestones:
            issues.append(Issue(where, f"节点代码 {m.code} 重复（与第 {milestones[m.code] + 1} 个节点相同）"))
        else:
            milestones[m.code] = i

    # The graph: node → the nodes it waits for. Nodes are route items and milestones.
    graph: dict[str, list[str]] = {}
    after_paths: dict[str, Path] = {}
    entries = [(ri.item, ri.after, (*path, "items", i, "after")) for i, ri in enumerate(route.items)]
    entries += [(m.code, m.after, (*path, "milestones", i, "after")) for i, m in enumerate(route.milestones)]
    for code, after, after_path in entries:
        if code in graph:
            continue  # a duplicate, reported above
        graph[code] = []
        after_paths[code] = after_path
        for j, prerequisite in enumerate(after):
            if prerequisite in graph[code]:
                issues.append(Issue((*after_path, j), f"前置条件 {prerequisite} 列了两次"))
            elif prerequisite in in_route or prerequisite in milestones:
                graph[code].append(prerequisite)
            elif prerequisite in catalog_items:
                issues.append(Issue((*after_path, j), f"前置条件 {prerequisite} 是目录中的事项，但不在本路线中"))
            else:
                issues.append(
                    Issue((*after_path, j), f"未知的前置条件 {prerequisite}：本路线没有这个事项或节点")
                )

    cycles = _cycles(graph)
    for cycle in cycles:
        shown = " → ".join([*cycle, cycle[0]])
        issues.append(Issue(after_paths[cycle[0]], f"前置条件循环：{shown}（每一项都在等下一项，永远无法开始）"))
    if not cycles:
        _check_parallel_groups(route, path, graph, issues)
    _check_optional(route, path, issues)
    if route.escalation is not None:
        _check_escalation(route.escalation, (*path, "escalation"), issues)


def _cycles(graph: dict[str, list[str]]) -> list[list[str]]:
    """One shortest cycle per strongly connected component that has one (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component: set[str] = set()
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.add(top)
                if top == node:
                    break
            if len(component) > 1 or node in graph[node]:
                components.append(component)

    for node in graph:
        if node not in index:
            visit(node)
    order = list(graph)
    return [_shortest_cycle(graph, min(c, key=order.index), c) for c in components]


def _shortest_cycle(graph: dict[str, list[str]], start: str, within: set[str]) -> list[str]:
    parent: dict[str, str] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for nxt in graph[node]:
            if nxt == start:
                cycle = [node]
                while cycle[-1] != start:
                    cycle.append(parent[cycle[-1]])
                return cycle[::-1]
            if nxt in within and nxt not in parent:
                parent[nxt] = node
                queue.append(nxt)
    return [start]  # unreachable for a real component; keeps the type simple


def _ancestors(graph: dict[str, list[str]]) -> dict[str, set[str]]:
    memo: dict[str, set[str]] = {}

    def walk(node: str) -> set[str]:
        if node not in memo:
            found: set[str] = set()
            for prerequisite in graph[node]:
                found.add(prerequisite)
                found |= walk(prerequisite)
            memo[node] = found
        return memo[node]

    for node in graph:
        walk(node)
    return memo


def _check_parallel_groups(route: Route, path: Path, graph: dict[str, list[str]], issues: list[Issue]) -> None:
    # Items of one parallel group are submitted together; one waiting for another contradicts that.
    ancestors = _ancestors(graph)
    members: dict[str, list[str]] = {}
    for i, ri in enumerate(route.items):
        if ri.parallel_group is None:
            continue
        for other in members.get(ri.parallel_group, []):
            if other in ancestors[ri.item] or ri.item in ancestors[other]:
                later, earlier = (ri.item, other) if other in ancestors[ri.item] else (other, ri.item)
                issues.append(
                    Issue(
                        (*path, "items", i, "parallel_group"),
                        f"{later} 须等 {earlier} 办结，二者不能同在并联组 {ri.parallel_group}",
                    )
                )
        members.setdefault(ri.parallel_group, []).append(ri.item)


def _check_optional(route: Route, path: Path, issues: list[Issue]) -> None:
    # A project may leave an optional item out; a required item waiting for it would then be stuck.
    optional = {ri.item for ri in route.items if not ri.required}
    for i, ri in enumerate(route.items):
        if not ri.required:
            continue
        for j, prerequisite in enumerate(ri.after):
            if prerequisite in optional:
                issues.append(
                    Issue(
                        (*path, "items", i, "after", j),
                        f"必办事项等待可选事项 {prerequisite}：可选事项被删去后它将永远无法开始",
                    )
                )


def _check_escalation(escalation: Escalation, path: Path, issues: list[Issue]) -> None:
    # The green channel exists to be watched more closely, so its thresholds may not be laxer:
    # an earlier yellow card, an earlier prompt, a quicker L3.
    green: Thresholds | None = escalation.green_channel
    if green is None:
        return
    for name, laxer_when_higher in (("yellow_ratio", True), ("prompt_days", False), ("l3_after_workdays", True)):
        mine, route = getattr(green, name), getattr(escalation, name)
        if mine is None or route is None or mine == route:
            continue
        if (mine > route) == laxer_when_higher:
            bound = "高于" if laxer_when_higher else "低于"
            issues.append(Issue((*path, "green_channel", name),
                                f"绿色通道的阈值不能比路线本身宽松：不能{bound}路线的 {name}（{route}）"))
