"""The earliest completion date of a project, over the DAG of its approvals and milestones.

One forward pass in topological order (Kahn), so the cost is O(nodes + edges). For each node the
pass fixes a ``(start, finish)`` pair; "ready" below is ``max(today, finish of every prerequisite)``.

* **Decided approval** (``finished_on``): finishes on that date, whatever the plan said.
* **Started approval** (``due_on``, from its clock): finishes on its due date; an approval already
  past its due date is assumed to be decided on the first working day from today (listed in
  ``Forecast.late``).
* **Approval not started**: accepted on the ready date, so counting starts the working day after
  it, and it takes its promised limit (``duration``): finish = the clock's due date for an
  acceptance on the ready date.
* **Milestone done** (``finished_on``): that date.
* **Milestone expected** (``expected_on``, the clerk's estimate): ``max(expected_on, ready)`` —
  a stale estimate cannot finish before its prerequisites or before today.
* **Milestone with a duration and no estimate**: the duration counted from the ready date.
* **Milestone unknown** (neither): assumed to happen on the ready date, i.e. to take no time, and
  listed in ``Forecast.unknown_milestones`` so the UI can say the forecast leans on a guess.

The completion date is the latest finish among the required nodes. The critical path walks back
from that node through the prerequisite that set each ready date (the one with the latest finish,
the first listed on a tie) and stops at a node whose finish was set by something else: today, a
real date, an estimate or a running clock. A project whose required nodes are all done completes
on the last of their dates and has 0 working days left.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from agency.approvals.clock import Limit, due_date
from agency.calendar.workdays import WorkCalendar

NodeKind = Literal["approval", "milestone"]


class ForecastError(ValueError):
    """The plan cannot be scheduled: unknown or duplicate keys, a cycle, a missing duration."""


@dataclass(frozen=True, slots=True)
class PlanNode:
    key: str
    kind: NodeKind
    duration: Limit | None
    prerequisites: Sequence[str] = ()
    finished_on: date | None = None  # approval decided (approved) / milestone done
    due_on: date | None = None  # started approval: its current due date from the clock
    expected_on: date | None = None  # milestone: the clerk's estimate
    required: bool = True
    started_on: date | None = None  # started approval: acceptance date, only for the schedule


@dataclass(frozen=True, slots=True)
class Forecast:
    completion_date: date | None
    working_days: int
    critical_path: list[str]
    provisional: bool
    schedule: dict[str, tuple[date, date]]
    unknown_milestones: list[str] = field(default_factory=list)
    late: list[str] = field(default_factory=list)


def _topological_order(nodes: Sequence[PlanNode]) -> tuple[list[int], dict[str, int]]:
    """Kahn's order of the node indices, and the index of every key."""
    index: dict[str, int] = {}
    for i, node in enumerate(nodes):
        if node.key in index:
            raise ForecastError(f"plan node {node.key!r} appears twice")
        index[node.key] = i
    dependents: list[list[int]] = [[] for _ in nodes]
    indegree = [0] * len(nodes)
    for i, node in enumerate(nodes):
        for pre in dict.fromkeys(node.prerequisites):
            j = index.get(pre)
            if j is None:
                raise ForecastError(f"plan node {node.key!r} needs unknown prerequisite {pre!r}")
            dependents[j].append(i)
            indegree[i] += 1
    ready = [i for i in range(len(nodes)) if indegree[i] == 0]
    order: list[int] = []
    while ready:
        i = ready.pop()
        order.append(i)
        for k in dependents[i]:
            indegree[k] -= 1
            if indegree[k] == 0:
                ready.append(k)
    if len(order) < len(nodes):
        raise ForecastError(f"the plan has a cycle: {' → '.join(_find_cycle(nodes, index, indegree))}")
    return order, index


def _find_cycle(nodes: Sequence[PlanNode], index: dict[str, int], indegree: list[int]) -> list[str]:
    # Every node Kahn left behind still has a prerequisite that was left behind, so walking those
    # links from any of them must come back to a node already seen.
    start = next(i for i, d in enumerate(indegree) if d > 0)
    seen: dict[int, int] = {}
    path: list[int] = []
    i = start
    while i not in seen:
        seen[i] = len(path)
        path.append(i)
        i = next(index[p] for p in nodes[i].prerequisites if indegree[index[p]] > 0)
    cycle = path[seen[i] :]
    # The walk went from a node to its prerequisite; print it the way work flows instead.
    flow = [cycle[0], *reversed(cycle[1:]), cycle[0]]
    return [nodes[j].key for j in flow]


def forecast(nodes: Sequence[PlanNode], today: date, calendar: WorkCalendar) -> Forecast:
    """Schedule every node as early as the rules allow and derive the completion date."""
    order, index = _topological_order(nodes)
    start: list[date | None] = [None] * len(nodes)
    finish: list[date | None] = [None] * len(nodes)
    # The prerequisite whose finish set this node's ready date; None when something else did.
    binding: list[int | None] = [None] * len(nodes)
    unknown: list[str] = []
    late: list[str] = []

    for i in order:
        node = nodes[i]
        s, f, b = _schedule_node(node, today, calendar, index, finish, unknown, late)
        start[i], finish[i], binding[i] = s, f, b

    schedule: dict[str, tuple[date, date]] = {}
    for i, node in enumerate(nodes):
        begin, end = start[i], finish[i]
        assert begin is not None and end is not None
        schedule[node.key] = (begin, end)

    last: int | None = None
    for i, node in enumerate(nodes):
        if node.required and (last is None or _after(finish[i], finish[last])):
            last = i
    if last is None:
        return Forecast(None, 0, [], False, schedule, sorted(unknown), sorted(late))

    path: list[str] = []
    cursor: int | None = last
    while cursor is not None:
        path.append(nodes[cursor].key)
        cursor = binding[cursor]
    path.reverse()

    completion = finish[last]
    assert completion is not None
    working_days = max(0, calendar.workdays_between(today, completion))
    provisional = completion > today and calendar.any_provisional(today, completion)
    return Forecast(completion, working_days, path, provisional, schedule, sorted(unknown), sorted(late))


def _after(a: date | None, b: date | None) -> bool:
    assert a is not None and b is not None
    return a > b


def _schedule_node(
    node: PlanNode,
    today: date,
    calendar: WorkCalendar,
    index: dict[str, int],
    finish: list[date | None],
    unknown: list[str],
    late: list[str],
) -> tuple[date, date, int | None]:
    if node.finished_on is not None:
        begun = node.started_on if node.kind == "approval" else None
        s = calendar.next_workday(begun) if begun is not None else node.finished_on
        return min(s, node.finished_on), node.finished_on, None

    if node.kind == "approval" and node.due_on is not None:
        if node.due_on >= today:
            f = node.due_on
        else:
            f = calendar.workday_on_or_after(today)
            late.append(node.key)
        s = calendar.next_workday(node.started_on) if node.started_on is not None else today
        return min(s, f), f, None

    ready, binding = _ready(node.prerequisites, today, index, finish)

    if node.kind == "approval":
        if node.duration is None:
            raise ForecastError(f"approval {node.key!r} has not started and has no promised limit")
        f = due_date(calendar, ready, node.duration)
        return min(calendar.next_workday(ready), f), f, binding

    if node.expected_on is not None:
        if node.expected_on > ready:
            return ready, node.expected_on, None
        return ready, ready, binding
    if node.duration is not None:
        return ready, due_date(calendar, ready, node.duration), binding
    unknown.append(node.key)
    return ready, ready, binding


def _ready(
    prerequisites: Iterable[str], today: date, index: dict[str, int], finish: list[date | None]
) -> tuple[date, int | None]:
    ready, binding = today, None
    for pre in prerequisites:
        j = index[pre]
        f = finish[j]
        assert f is not None  # topological order: prerequisites are scheduled first
        # ">=" against today: a prerequisite finishing today still belongs on the path.
        if f > ready or (binding is None and f == ready):
            ready, binding = f, j
    return ready, binding
