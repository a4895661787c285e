"""Two departments act at the same moment on two approvals of one dossier: both succeed.

An action rewrites its dossier's derived status (here: the last two items approved complete the
dossier). That write used to be version-checked, so the second of two sibling actions was told
"stale version" although nobody had touched its approval. It now locks the dossier's row and derives
the status from what the first committed: twenty times over, every action succeeds and the dossier
ends completed.
"""

from __future__ import annotations

import asyncio

from tests.agency.approvals.flow import open_dossier
from tests.support import Api

ROUNDS = 20
# Every item of the new-industrial route but the two the departments decide at once (14 − 2 = 12: 消防验收
# and 规划核实 are opinions inside 联合验收 there, not items).
OTHERS = ("xmba", "ydghxk", "tddj", "gcghxk", "hp", "sgtsc", "xfsj", "sgxk", "dljr", "gsjr", "lhys", "fwdj")


async def test_two_departments_approve_two_items_of_one_dossier_at_once_twenty_times(api: Api) -> None:
    fgj = await api.user_headers("department", department_code="fgj")
    slj = await api.user_headers("department", department_code="slj")
    for _ in range(ROUNDS):
        d = await open_dossier(api)
        await d.force_approved(*OTHERS)
        jnsc, stbc = await d.ready_to_submit("jnsc"), await d.ready_to_submit("stbc")
        await d.ok(jnsc, "submit")
        await d.ok(stbc, "submit")
        first = await d.ok(jnsc, "accept", fgj)
        second = await d.ok(stbc, "accept", slj)
        answers = await asyncio.gather(
            d.act(jnsc, "approve", fgj, version=first["version"], certificate_no="节能审查意见001"),
            d.act(stbc, "approve", slj, version=second["version"], certificate_no="水保批复001"))
        assert [a.status_code for a in answers] == [200, 200], [a.text for a in answers]
        project = (await api.client.get(f"/api/projects/{d.project['id']}", headers=d.clerk)).json()
        assert project["status"] == "completed"  # derived from both approvals, whichever committed last
