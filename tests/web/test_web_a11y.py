"""Every page's HTML, checked for the basics of accessibility and for a strict CSP later.

lang="zh-CN", one h1, a skip link to main, a label for every form control, th with scope, text alternatives
for images and SVG, unique ids, and no inline script or event-handler attributes (JavaScript in files only).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

from litestar.testing import AsyncTestClient

from agency.app import create_app
from agency.settings import Settings
from tests.web.conftest import demo_login

UNLABELLED_TYPES = {"hidden", "submit", "button", "reset", "image"}


class PageCheck(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.lang: str | None = None
        self.h1 = 0
        self.ids: list[str] = []
        self.label_for: set[str] = set()
        self.controls: list[tuple[str, dict[str, str]]] = []
        self.label_depth = 0
        self.problems: list[str] = []
        self.skip_target: str | None = None
        self.script_open = False

    def handle_starttag(self, tag: str, attrs_list: list[tuple[str, str | None]]) -> None:
        attrs = {k: v or "" for k, v in attrs_list}
        if "id" in attrs:
            self.ids.append(attrs["id"])
        for name in attrs:
            if name.startswith("on"):
                self.problems.append(f"inline event handler {name} on <{tag}>")
        if tag == "html":
            self.lang = attrs.get("lang")
        elif tag == "h1":
            self.h1 += 1
        elif tag == "a" and "skip" in attrs.get("class", "").split() and self.skip_target is None:
            self.skip_target = attrs.get("href", "").lstrip("#")
        elif tag == "label":
            self.label_depth += 1
            if attrs.get("for"):
                self.label_for.add(attrs["for"])
        elif tag in ("input", "select", "textarea"):
            if tag == "input" and attrs.get("type", "text") in UNLABELLED_TYPES:
                return
            if self.label_depth == 0 and not (attrs.get("aria-label") or attrs.get("aria-labelledby")):
                self.controls.append((tag, attrs))
        elif tag == "th" and not attrs.get("scope"):
            self.problems.append("<th> without scope")
        elif tag == "img" and "alt" not in attrs:
            self.problems.append(f"<img src={attrs.get('src')}> without alt")
        elif tag == "svg" and not (attrs.get("aria-hidden") == "true" or attrs.get("aria-label")
                                   or attrs.get("aria-labelledby")):
            self.problems.append("<svg> without a text alternative (aria-label) or aria-hidden")
        elif tag == "script":
            if not attrs.get("src") and attrs.get("type") not in ("application/json", "application/ld+json"):
                self.problems.append("inline <script> (move it to a file under /static)")
        elif tag == "progress" and not (attrs.get("aria-label") or attrs.get("aria-labelledby")):
            self.problems.append("<progress> without aria-label")

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self.label_depth -= 1

    def verdict(self) -> list[str]:
        problems = list(self.problems)
        if self.lang != "zh-CN":
            problems.append(f'<html lang="{self.lang}">, expected zh-CN')
        if self.h1 != 1:
            problems.append(f"{self.h1} <h1> elements, expected one")
        if not self.skip_target or self.skip_target not in self.ids:
            problems.append("no skip link to an element of the page")
        for tag, attrs in self.controls:
            if attrs.get("id") not in self.label_for:
                problems.append(f"<{tag} name={attrs.get('name')}> has no label")
        duplicates = sorted({i for i in self.ids if self.ids.count(i) > 1})
        if duplicates:
            problems.append(f"duplicate ids {duplicates}")
        return problems


def check(html: str) -> list[str]:
    parser = PageCheck()
    parser.feed(html)
    return parser.verdict()


def test_the_checker_finds_what_it_should() -> None:
    bad = ('<html lang="en"><body><h1>a</h1><h1>b</h1><input name="x"><th>t</th><img src="a.png">'
           '<script>alert(1)</script><button onclick="x()">b</button></body></html>')
    problems = " | ".join(check(bad))
    for expected in ("lang", "2 <h1>", "skip link", "name=x> has no label", "th> without scope", "without alt",
                     "inline <script>", "onclick"):
        assert expected in problems, problems


async def _pages(client: AsyncTestClient[Any], paths: list[str]) -> dict[str, str]:
    pages = {}
    for path in paths:
        response = await client.get(path)
        assert response.status_code in (200, 404), (path, response.status_code)
        pages[path] = response.text
    return pages


async def test_every_page_passes_the_basic_accessibility_checks(demo_settings: Settings) -> None:
    app = create_app(demo_settings)
    async with AsyncTestClient(app=app, raise_server_exceptions=False, base_url="https://testserver.local") as client:
        pages = await _pages(client, ["/login"])
        await demo_login(client, demo_settings, "clerk")
        pages |= await _pages(client, ["/app", "/app/enterprises/new", "/app/projects/new", "/app/password",
                                       "/app/no/such/page"])
        projects = list(dict.fromkeys(re.findall(r'href="(/app/projects/\d+)"', pages["/app"])))
        pages |= await _pages(client, projects[:3])
        approvals = list(dict.fromkeys(a for p in projects[:3] for a in re.findall(
            r'href="(/app/approvals/\d+)"', pages[p])))
        pages |= await _pages(client, approvals[:6])
        assert any('type="file"' in pages[a] for a in approvals[:6]), "no approval page with an upload form"
    async with AsyncTestClient(app=app, raise_server_exceptions=False, base_url="https://testserver.local") as client:
        await demo_login(client, demo_settings, "enterprise")
        portal = await _pages(client, ["/app/portal"])
        pages |= portal
        pages |= await _pages(client, list(dict.fromkeys(re.findall(r'href="(/app/portal/projects/\d+)"',
                                                                    portal["/app/portal"]))))
    report = {path: problems for path, html in pages.items() if (problems := check(html))}
    assert not report, report
    assert len(pages) >= 12, list(pages)


async def test_office_pages_pass_the_basic_accessibility_checks(demo_settings: Settings) -> None:
    """The department's inbox, the leader's dashboard with its SVG charts, reports, admin, the rating link."""
    from tests.web.test_web_office import _escalation, _rating_link

    await _escalation(demo_settings, "fgj", "yellow")
    app = create_app(demo_settings)
    pages: dict[str, str] = {}
    for user, paths in (("dept-fgj", ["/app/inbox"]), ("leader", ["/app/dashboard", "/app/reports"]),
                        ("admin", ["/app/dashboard", "/app/admin/users", "/app/admin/users/1", "/app/admin/catalog",
                                   "/app/admin/calendar",
                                   "/app/admin/templates", "/app/admin/catalog/items/sgxk",
                                   "/app/admin/catalog/routes/new_industrial", "/app/admin/catalog/import"])):
        async with AsyncTestClient(app=app, raise_server_exceptions=False,
                                   base_url="https://testserver.local") as client:
            await demo_login(client, demo_settings, user)
            pages |= {f"{user} {p}": html for p, html in (await _pages(client, paths)).items()}
    async with AsyncTestClient(app=app, raise_server_exceptions=False, base_url="https://testserver.local") as client:
        token = await _rating_link(demo_settings)
        pages |= await _pages(client, [f"/rate/{token}", "/rate/unknown-token"])
    assert "<svg" in pages["leader /app/dashboard"]
    report = {path: problems for path, html in pages.items() if (problems := check(html))}
    assert not report, report
