"""The domain packages of ``agency/`` depend on each other one way only.

Each domain package (a folder of ``agency/`` with the same module names everywhere) may import
lower ones; two that import each other — directly or around a longer cycle, modules or functions
alike, at the top of a module or inside a function — make an import-order bug waiting to happen
(commit b4832ba was one). This test walks every import and fails on any cycle, printing it with the
lines that make it so the next person sees what broke.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

AGENCY = Path(__file__).resolve().parents[2] / "agency"
# Not domains: the composition of the app (web pages over every domain, the database's migrations and
# model registry, operations tooling) sits above them all and may import any of them.
NOT_DOMAINS = frozenset({"db", "web", "ops"})


def domain_packages() -> set[str]:
    return {p.name for p in AGENCY.iterdir() if (p / "__init__.py").exists() and p.name not in NOT_DOMAINS}


def imports_between_domains() -> dict[tuple[str, str], list[str]]:
    """(importing package, imported package) → the places that import, as ``path:line module``."""
    domains = domain_packages()
    edges: dict[tuple[str, str], list[str]] = defaultdict(list)
    for path in sorted(AGENCY.rglob("*.py")):
        source = path.relative_to(AGENCY).parts[0]
        if source not in domains:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            for name in names:
                parts = name.split(".")
                if len(parts) > 1 and parts[0] == "agency" and parts[1] in domains and parts[1] != source:
                    place = f"agency/{path.relative_to(AGENCY)}:{node.lineno} {name}"
                    if place not in edges[(source, parts[1])]:
                        edges[(source, parts[1])].append(place)
    return edges


def cycles(edges: dict[tuple[str, str], list[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one package (Tarjan), each as a sorted list."""
    graph: dict[str, set[str]] = defaultdict(set)
    for a, b in edges:
        graph[a].add(b)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_two_domain_packages_import_each_other() -> None:
    edges = imports_between_domains()
    problems = []
    for group in cycles(edges):
        lines = [f"cycle between {', '.join(group)}:"]
        for (a, b), places in sorted(edges.items()):
            if a in group and b in group:
                lines.append(f"  {a} → {b}")
                lines.extend(f"      {place}" for place in places[:6])
        problems.append("\n".join(lines))
    assert not problems, "\n\n".join(problems)


def test_the_walk_sees_the_imports_it_guards() -> None:
    # A walk that found nothing would pass for the wrong reason.
    edges = imports_between_domains()
    assert ("approvals", "calendar") in edges
    assert cycles({("a", "b"): ["x"], ("b", "c"): ["y"], ("c", "a"): ["z"], ("c", "d"): ["w"]}) == [["a", "b", "c"]]
