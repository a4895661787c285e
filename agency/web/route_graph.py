"""A route's dependency graph as inline SVG drawn on the server (no script): items and milestones in rows, top to
bottom, by how many steps of prerequisites stand before them; an arrow from each prerequisite to what waits for
it. Rows rather than columns: a route is deep (ten steps) but narrow (five items side by side), so it fits the
page's width at a readable size.

Pure layout from the route's definition; colours by stage, dashed outline for an optional item, a diamond
corner for a milestone. The ``<desc>`` says the whole graph in words for a screen reader.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from markupsafe import Markup

from agency.catalog.format_model import STAGE_NAMES, Route

NODE_W, NODE_H, GAP_X, GAP_Y, PAD = 150, 44, 18, 34, 12
LINE = 11  # characters per line of a node's label (two lines at most)
STAGE_FILL = {"land_planning": "#e3effb", "engineering_permit": "#e6f4ea", "construction_permit": "#fdf3dc",
              "completion_acceptance": "#f3e8f8"}
STAGE_STROKE = {"land_planning": "#1d4f91", "engineering_permit": "#2e7d32", "construction_permit": "#9a6b00",
                "completion_acceptance": "#6a3d8f"}


@dataclass(slots=True)
class Node:
    code: str
    label: str
    stage: str | None  # None: a milestone
    required: bool
    after: list[str]
    level: int = 0
    slot: int = 0


def _levels(nodes: dict[str, Node]) -> None:
    """Each node one level below its latest prerequisite (the route is acyclic: the import checked it)."""
    memo: dict[str, int] = {}

    def depth(code: str, seen: frozenset[str] = frozenset()) -> int:
        if code not in memo:
            before = [p for p in nodes[code].after if p in nodes and p not in seen]
            memo[code] = 1 + max((depth(p, seen | {code}) for p in before), default=-1)
        return memo[code]

    for code, node in nodes.items():
        node.level = depth(code)


def _slots(nodes: dict[str, Node]) -> int:
    """Order each level by where its prerequisites sit (fewer crossings), then by file order; the widest level's
    size. Positions are centred, as drawn: a level of two sits under the middle of a level of five."""
    order = list(nodes)
    levels: dict[int, list[Node]] = {}
    for node in nodes.values():
        levels.setdefault(node.level, []).append(node)
    centre: dict[str, float] = {}
    for level in sorted(levels):
        members = levels[level]

        def weight(n: Node) -> tuple[float, int]:
            above = [centre[p] for p in n.after if p in centre]
            return (sum(above) / len(above) if above else 0.0, order.index(n.code))

        for slot, node in enumerate(sorted(members, key=weight)):
            node.slot = slot
            centre[node.code] = slot - (len(members) - 1) / 2
    return max((len(m) for m in levels.values()), default=1)


def _label_lines(text: str) -> list[str]:
    if len(text) <= LINE:
        return [text]
    rest = text[LINE:]
    return [text[:LINE], rest if len(rest) <= LINE else rest[:LINE - 1] + "…"]


def route_svg(route: Route, item_names: dict[str, str], item_stages: dict[str, str], ident: str) -> Markup:
    nodes: dict[str, Node] = {}
    for ri in route.items:
        nodes[ri.item] = Node(ri.item, item_names.get(ri.item, ri.item), item_stages.get(ri.item, ""), ri.required,
                              list(ri.after))
    for m in route.milestones:
        nodes[m.code] = Node(m.code, m.name, None, True, list(m.after))
    _levels(nodes)
    widest = _slots(nodes)
    levels = max((n.level for n in nodes.values()), default=0) + 1
    width = PAD * 2 + max(widest, 1) * (NODE_W + GAP_X) - GAP_X
    height = PAD * 2 + levels * (NODE_H + GAP_Y) - GAP_Y
    per_level = {level: sum(1 for n in nodes.values() if n.level == level) for level in range(levels)}

    def x(n: Node) -> int:
        # Each level centred under the widest one.
        offset = (widest - per_level[n.level]) * (NODE_W + GAP_X) // 2
        return PAD + offset + n.slot * (NODE_W + GAP_X)

    def y(n: Node) -> int:
        return PAD + n.level * (NODE_H + GAP_Y)

    body = [f'<defs><marker id="{ident}-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
            'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>']
    for node in nodes.values():
        for prerequisite in node.after:
            source = nodes.get(prerequisite)
            if source is None:
                continue
            x1, y1 = x(source) + NODE_W // 2, y(source) + NODE_H
            x2, y2 = x(node) + NODE_W // 2, y(node)
            bend = max(14, (y2 - y1) // 2)
            body.append(f'<path d="M{x1},{y1} C{x1},{y1 + bend} {x2},{y2 - bend} {x2},{y2 - 2}" fill="none" '
                        f'stroke="#777" stroke-width="1.3" marker-end="url(#{ident}-arrow)"/>')
    for node in nodes.values():
        milestone = node.stage is None
        fill = "#ffffff" if milestone else STAGE_FILL.get(node.stage or "", "#eeeeee")
        stroke = "#333333" if milestone else STAGE_STROKE.get(node.stage or "", "#555555")
        dash = ' stroke-dasharray="5 3"' if not node.required else ""
        radius = 18 if milestone else 6
        kind = "节点" if milestone else STAGE_NAMES.get(node.stage or "", "")
        optional = "（可选）" if not node.required else ""
        body.append(f'<g data-code="{escape(node.code)}"><title>{escape(node.label)}{optional}：{kind}</title>'
                    f'<rect x="{x(node)}" y="{y(node)}" width="{NODE_W}" height="{NODE_H}" rx="{radius}" '
                    f'fill="{fill}" stroke="{stroke}" stroke-width="1.4"{dash}/>')
        lines = _label_lines(("◆ " if milestone else "") + node.label + optional)
        first = y(node) + NODE_H // 2 + 4 - (len(lines) - 1) * 8
        for i, line in enumerate(lines):
            body.append(f'<text x="{x(node) + NODE_W // 2}" y="{first + i * 16}" text-anchor="middle" '
                        f'font-size="12" fill="#1a1a1a">{escape(line)}</text>')
        body.append("</g>")
    desc = "；".join(n.label + (f"在{'、'.join(nodes[p].label for p in n.after if p in nodes)}之后"
                                 if n.after else "可最先办理") for n in nodes.values())
    # Every text above is escaped; the rest is numbers and fixed markup.
    return Markup(  # noqa: S704
        f'<svg class="route-graph" id="{ident}" role="img" aria-labelledby="{ident}-t {ident}-d" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" style="max-width:100%;height:auto">'
        f'<title id="{ident}-t">{escape(route.name)}：事项依赖关系图</title>'
        f'<desc id="{ident}-d">{escape(desc)}。</desc>'
        + "".join(body) + "</svg>")
