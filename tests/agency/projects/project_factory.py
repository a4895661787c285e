"""Test data for the catalog, calendar, enterprise and project API tests.

Fresh valid credit codes (each test registers its own enterprise, so codes never collide), an
enterprise and a project through the API as a clerk would enter them, and a throw-away database
for the tests that change reference data (a new catalog version, an imported calendar year) and
so must not touch the session database the other tests share.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from litestar.testing import AsyncTestClient

from agency.app import create_app
from agency.db import migrate
from agency.db.engine import create_engine, create_sessionmaker
from agency.enterprises.credit_code import CHARSET, check_character, organization_check_character
from tests.conftest import drop_database, make_settings, new_database, seed_reference_data
from tests.support import Api, unique

# 9 = market regulation, 1 = enterprise; 330521 = the county's registration office.
CREDIT_CODE_PREFIX = "91330521"
_issued: set[str] = set()
_random = random.Random()

DEMO_CATALOG = resources.files("agency.catalog").joinpath("data/demo_catalog.yaml").read_text(encoding="utf-8")

# The catalog's sixteen items, DOMAIN.md's table in its order.
CATALOG_ITEMS = ["xmba", "ydghxk", "tddj", "gcghxk", "hp", "jnsc", "stbc", "sgtsc", "xfsj", "sgxk", "dljr", "gsjr",
                 "xfys", "ghhs", "lhys", "fwdj"]
# 消防验收 and 规划核实 are participants' opinions inside 联合验收 on the new industrial route (issue 24):
# the catalog keeps them as items, the route does not plan them.
JOINT_PARTS = {"xfys", "ghhs"}
# The new industrial route: item → the items it waits for ("after"); lhys waits for the
# construction_complete milestone instead of an approval.
NEW_INDUSTRIAL_AFTER: dict[str, list[str]] = {
    "xmba": [],
    "ydghxk": ["xmba"],
    "tddj": ["xmba"],
    "gcghxk": ["ydghxk", "tddj"],
    "hp": ["xmba"],
    "jnsc": ["xmba"],
    "stbc": ["xmba"],
    "sgtsc": ["gcghxk"],
    "xfsj": ["sgtsc"],
    "sgxk": ["tddj", "hp", "jnsc", "sgtsc", "xfsj"],
    "dljr": ["sgxk"],
    "gsjr": ["sgxk"],
    "lhys": [],
    "fwdj": ["lhys"],
}
DEPARTMENT_OF: dict[str, str] = {
    "xmba": "fgj", "ydghxk": "zrzy", "tddj": "bdc", "gcghxk": "zrzy", "hp": "sthj", "jnsc": "fgj",
    "stbc": "slj", "sgtsc": "zjj", "xfsj": "zjj", "sgxk": "zjj", "dljr": "gdgs", "gsjr": "zls",
    "xfys": "zjj", "ghhs": "zrzy", "lhys": "zjj", "fwdj": "bdc",
}
# Against the catalog's sixteen: tech_upgrade keeps xfys as an item of its own (its lhys has no participants).
TECH_UPGRADE_SKIPS = {"ydghxk", "tddj", "gcghxk", "ghhs"}


def fresh_credit_code() -> str:
    """A valid 统一社会信用代码 no other test has used: random organisation code, both check characters."""
    while True:
        body = "".join(_random.choices(CHARSET, k=8))
        first17 = CREDIT_CODE_PREFIX + body + organization_check_character(body)
        code = first17 + check_character(first17)
        if code not in _issued:
            _issued.add(code)
            return code


def enterprise_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "credit_code": fresh_credit_code(),
        "name": f"示范县{unique('测试')}制造有限公司",
        "legal_representative": "陈建国",
        "contact_name": "刘晓燕",
        "contact_phone": "13812345678",
        "address": "示范县经济开发区创业大道88号",
        "park": "经济开发区",
        "key_enterprise": True,
    }
    body.update(overrides)
    return body


async def create_enterprise(api: Api, headers: dict[str, str], **overrides: Any) -> dict[str, Any]:
    response = await api.client.post("/api/enterprises", json=enterprise_body(**overrides), headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


def project_body(enterprise_id: int, route_code: str = "new_industrial", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "enterprise_id": enterprise_id,
        "name": f"年产{unique('')}吨复合材料生产线新建项目",
        "route_code": route_code,
        "investment_wan": 58000.0,
        "location": "示范县经济开发区创业大道北侧地块",
        "land_area_mu": 86.5,
        "description": "新建厂房及配套用房。",
    }
    body.update(overrides)
    return body


async def open_project(api: Api, headers: dict[str, str], enterprise_id: int, route_code: str = "new_industrial",
                       **overrides: Any) -> dict[str, Any]:
    response = await api.client.post("/api/projects", json=project_body(enterprise_id, route_code, **overrides),
                                     headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def get_project(api: Api, headers: dict[str, str], project_id: int, as_of: str | None = None
                      ) -> dict[str, Any]:
    query = f"?as_of={as_of}" if as_of else ""
    response = await api.client.get(f"/api/projects/{project_id}{query}", headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def by_code(project: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The project's approvals keyed by item code."""
    return {a["item_code"]: a for a in project["approvals"]}


def item_codes_of(project: dict[str, Any], approval_ids: list[int]) -> list[str]:
    codes = {a["id"]: a["item_code"] for a in project["approvals"]}
    return [codes[i] for i in approval_ids]


@asynccontextmanager
async def fresh_api(backend: str, tmp_path: Path) -> AsyncIterator[Api]:
    """An app on a database of its own (migrated, official calendar, demo catalog), dropped afterwards."""
    # Creating, migrating and dropping run their own event loops, so they go to a worker thread.
    url = await asyncio.to_thread(new_database, backend, tmp_path)
    try:
        await asyncio.to_thread(migrate.upgrade, url)
        await seed_reference_data(url)
        settings = make_settings(url, tmp_path)
        async with AsyncTestClient(app=create_app(settings), raise_server_exceptions=False) as client:
            engine = create_engine(url, pool_size=2)
            try:
                api = Api(client, create_sessionmaker(engine), settings)
                await api.bootstrap_admin()
                yield api
            finally:
                await engine.dispose()
    finally:
        await asyncio.to_thread(drop_database, url)
