"""Enterprises through HTTP: registration with a checked credit code, search, who sees which, masking."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from agency.audit.models import AuditEvent
from agency.enterprises.credit_code import CHARSET
from tests.agency.projects.project_factory import create_enterprise, enterprise_body, fresh_credit_code, open_project
from tests.support import Api


async def register(api: Api, headers: dict[str, str], **overrides: Any) -> Any:
    return await api.client.post("/api/enterprises", json=enterprise_body(**overrides), headers=headers)


async def test_clerk_registers_an_enterprise(api: Api) -> None:
    clerk = await api.user_headers("clerk")
    body = enterprise_body(contact_phone="13857201234", key_enterprise=True)
    response = await api.client.post("/api/enterprises", json=body, headers=clerk)
    assert response.status_code == 201
    created = response.json()
    assert isinstance(created["id"], int)
    assert created == created | {k: body[k] for k in ("credit_code", "name", "legal_representative", "contact_name",
                                                      "contact_phone", "address", "park", "key_enterprise")}
    assert created["created_at"]
    fetched = await api.client.get(f"/api/enterprises/{created['id']}", headers=clerk)
    assert fetched.status_code == 200 and fetched.json() == created


async def test_administrator_may_register_too(api: Api) -> None:
    assert (await register(api, api.admin_headers)).status_code == 201


@pytest.mark.parametrize("role", ["leader", "department", "enterprise"])
async def test_other_roles_may_not_register_an_enterprise(api: Api, role: str) -> None:
    binding: dict[str, Any] = {}
    if role == "department":
        binding = {"department_code": "fgj"}
    elif role == "enterprise":
        binding = {"enterprise_id": (await create_enterprise(api, api.admin_headers))["id"]}
    response = await register(api, await api.user_headers(role, **binding))
    assert response.status_code == 403


def single_character_mistakes(code: str) -> list[str]:
    """The code with one character replaced, at every position: what a clerk's typo looks like."""
    mistakes = []
    for position, character in enumerate(code):
        replacement = CHARSET[(CHARSET.index(character) + 7) % len(CHARSET)]
        mistakes.append(code[:position] + replacement + code[position + 1:])
    return mistakes


async def test_every_single_character_typo_in_the_credit_code_is_refused_naming_the_field(api: Api) -> None:
    clerk = await api.user_headers("clerk")
    for wrong in single_character_mistakes(fresh_credit_code()):
        response = await register(api, clerk, credit_code=wrong)
        assert response.status_code == 422, wrong
        body = response.json()
        assert body["extra"][0]["field"] == "credit_code", wrong
        assert "统一社会信用代码" in body["detail"]


@pytest.mark.parametrize("wrong", ["", "91330521MA2B3C4D1", "91330521MA2B3C4D1CX", "91330521MA2B3C4DIC",
                                   "９１３３０５２１ＭＡ２Ｂ３Ｃ４Ｄ１Ｘ"])
async def test_credit_code_of_wrong_length_or_characters_is_refused(api: Api, wrong: str) -> None:
    response = await register(api, await api.user_headers("clerk"), credit_code=wrong)
    assert response.status_code == 422
    assert response.json()["extra"][0]["field"] == "credit_code"


async def test_credit_code_typed_with_blanks_and_lower_case_is_stored_normalized(api: Api) -> None:
    clerk = await api.user_headers("clerk")
    code = fresh_credit_code()
    typed = f" {code[:8].lower()} {code[8:].lower()} "
    response = await register(api, clerk, credit_code=typed)
    assert response.status_code == 201
    assert response.json()["credit_code"] == code
    # The same enterprise typed properly is a duplicate.
    assert (await register(api, clerk, credit_code=code)).status_code == 409


async def test_registering_the_same_credit_code_twice_is_409(api: Api) -> None:
    clerk = await api.user_headers("clerk")
    first = await create_enterprise(api, clerk)
    response = await register(api, clerk, credit_code=first["credit_code"], name="另一家同码公司")
    assert response.status_code == 409
    body = response.json()
    assert first["name"] in body["detail"]
    assert body["extra"][0]["field"] == "credit_code"


@pytest.mark.parametrize(("field", "value"), [("contact_phone", "call me"), ("name", "")])
async def test_invalid_fields_are_named(api: Api, field: str, value: str) -> None:
    response = await register(api, await api.user_headers("clerk"), **{field: value})
    assert response.status_code == 422
    assert response.json()["extra"][0]["field"] == field


async def test_search_by_name_fragment_and_by_credit_code(api: Api) -> None:
    clerk = await api.user_headers("clerk")
    marker = fresh_credit_code()[10:16]
    wanted = await create_enterprise(api, clerk, name=f"示范县{marker}新材料有限公司")
    also = await create_enterprise(api, clerk, name=f"示范县{marker}精密机械股份有限公司")
    await create_enterprise(api, clerk)
    response = await api.client.get("/api/enterprises", params={"q": marker}, headers=clerk)
    assert response.status_code == 200
    assert response.json()["total"] == 2
    assert {e["id"] for e in response.json()["items"]} == {wanted["id"], also["id"]}
    narrowed = await api.client.get("/api/enterprises", params={"q": f"{marker}新材料"}, headers=clerk)
    assert [e["id"] for e in narrowed.json()["items"]] == [wanted["id"]]
    by_code = await api.client.get("/api/enterprises", params={"q": also["credit_code"].lower()}, headers=clerk)
    assert [e["id"] for e in by_code.json()["items"]] == [also["id"]]


async def test_search_pages_through_the_results(api: Api) -> None:
    clerk = await api.user_headers("clerk")
    marker = fresh_credit_code()[10:16]
    ids = [(await create_enterprise(api, clerk, name=f"{marker}分页企业{n}"))["id"] for n in range(3)]
    first = (await api.client.get("/api/enterprises", params={"q": marker, "page_size": 2}, headers=clerk)).json()
    second = (await api.client.get("/api/enterprises", params={"q": marker, "page_size": 2, "page": 2},
                                   headers=clerk)).json()
    assert first["total"] == second["total"] == 3
    assert len(first["items"]) == 2 and len(second["items"]) == 1
    assert {e["id"] for e in first["items"] + second["items"]} == set(ids)


async def test_enterprise_user_sees_only_its_own_enterprise(api: Api) -> None:
    clerk = await api.user_headers("clerk")
    own = await create_enterprise(api, clerk)
    other = await create_enterprise(api, clerk)
    headers = await api.user_headers("enterprise", enterprise_id=own["id"])
    assert (await api.client.get(f"/api/enterprises/{own['id']}", headers=headers)).status_code == 200
    hidden = await api.client.get(f"/api/enterprises/{other['id']}", headers=headers)
    assert hidden.status_code == 404
    # The same answer as for an enterprise that does not exist.
    missing = await api.client.get("/api/enterprises/987654321", headers=headers)
    assert missing.status_code == 404 and missing.json()["detail"] == hidden.json()["detail"]
    listed = (await api.client.get("/api/enterprises", headers=headers)).json()
    assert listed["total"] == 1 and [e["id"] for e in listed["items"]] == [own["id"]]
    searched = (await api.client.get("/api/enterprises", params={"q": other["name"]}, headers=headers)).json()
    assert searched["total"] == 0


async def test_department_sees_an_enterprise_only_once_it_has_an_approval_there(api: Api) -> None:
    clerk = await api.user_headers("clerk")
    enterprise = await create_enterprise(api, clerk)
    planning = await api.user_headers("department", department_code="zrzy")
    assert (await api.client.get(f"/api/enterprises/{enterprise['id']}", headers=planning)).status_code == 404
    # A technical upgrade needs nothing from 自然资源和规划局 …
    await open_project(api, clerk, enterprise["id"], route_code="tech_upgrade")
    assert (await api.client.get(f"/api/enterprises/{enterprise['id']}", headers=planning)).status_code == 404
    listed = (await api.client.get("/api/enterprises", params={"q": enterprise["name"]}, headers=planning)).json()
    assert listed == listed | {"total": 0, "items": []}
    # … a new industrial project does.
    await open_project(api, clerk, enterprise["id"])
    assert (await api.client.get(f"/api/enterprises/{enterprise['id']}", headers=planning)).status_code == 200
    listed = (await api.client.get("/api/enterprises", params={"q": enterprise["name"]}, headers=planning)).json()
    assert [e["id"] for e in listed["items"]] == [enterprise["id"]]


async def test_contact_phone_is_masked_for_whoever_does_not_need_it(api: Api) -> None:
    clerk = await api.user_headers("clerk")
    enterprise = await create_enterprise(api, clerk, contact_phone="13812345678")
    await open_project(api, clerk, enterprise["id"])
    path = f"/api/enterprises/{enterprise['id']}"

    assert (await api.client.get(path, headers=clerk)).json()["contact_phone"] == "13812345678"
    own = await api.user_headers("enterprise", enterprise_id=enterprise["id"])
    assert (await api.client.get(path, headers=own)).json()["contact_phone"] == "13812345678"
    for headers in (await api.user_headers("leader"), await api.user_headers("department", department_code="zjj")):
        shown = await api.client.get(path, headers=headers)
        assert shown.status_code == 200
        assert shown.json()["contact_phone"] == "138****5678"
    # Lists are masked for everybody, the clerk included.
    listed = await api.client.get("/api/enterprises", params={"q": enterprise["name"]}, headers=clerk)
    assert [e["contact_phone"] for e in listed.json()["items"]] == ["138****5678"]


async def test_clerk_viewing_a_phone_in_plaintext_is_audited(api: Api) -> None:
    clerk_user = await api.create_user("clerk")
    clerk = await api.login(clerk_user.username)
    enterprise = await create_enterprise(api, clerk)
    await api.client.get(f"/api/enterprises/{enterprise['id']}", headers=clerk)
    async with api.sessions() as session:
        events = (await session.execute(select(AuditEvent).where(
            AuditEvent.object_type == "enterprise", AuditEvent.object_id == str(enterprise["id"]))
            .order_by(AuditEvent.id))).scalars().all()
    assert [e.action for e in events] == ["enterprise.create", "enterprise.view_personal"]
    assert all(e.actor_username == clerk_user.username for e in events)
    assert "13812345678" not in str(events[0].after)
