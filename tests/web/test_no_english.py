"""No English a user can see: every page of every role on the demo book, its error pages included.

The walk logs in as each demo account, starts from its home page and follows every link under ``/app`` (one
page per path pattern: ``/app/projects/7`` and ``/app/projects/8`` are the same page). Its visible text — text
nodes outside <script>/<style>, the title, placeholder, aria-label and alt attributes, the value of buttons —
must hold no ASCII word of three or more letters, except the allowed ones (file formats and the product name)
and user data (usernames, e-mail addresses, uploaded file names). An identifier a person types elsewhere (a
site's code, a command to run on the server) is marked ``translate="no"``, as HTML marks text that is not in
the page's language, and is not read. The API reference (/schema) is not a page of the app.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

from litestar.testing import AsyncTestClient

from agency.app import create_app
from agency.settings import Settings
from tests.web.conftest import demo_login
from tests.web.test_counters_match_lists import department_users

# File formats by their names (YAML: the catalog's, on the admin's catalog page; JPEG, PNG, TIFF, OFD: the scans
# an upload accepts; CSV with UTF-8 or GBK: the bank statement the clerk imports), and the product's name.
ALLOWED = {"PDF", "DOCX", "XLSX", "ZIP", "YAML", "JPEG", "PNG", "TIFF", "OFD", "CSV", "UTF", "GBK", "Agency"}
WORD = re.compile(r"[A-Za-z]{3,}")
# User data: e-mail addresses, uploaded file names (a name with an extension), demo usernames.
USER_DATA = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+|[^\s/\\：:，,]+\.[A-Za-z0-9]{2,5}\b|\b(dept|clerk)-[a-z]+\b"
                       r"|\b(admin|clerk|leader|enterprise)\b")
HOMES = {"admin": ["/app/dashboard", "/app"], "clerk": ["/app"], "leader": ["/app/dashboard", "/app"],
         "enterprise": ["/app/portal", "/app"]}
# Error pages: a page that does not exist, a filter value no list knows, an id no row has.
ERROR_PAGES = ["/app/no/such/page", "/app/projects/999999", "/app/approvals/999999", "/app?level=purple",
               "/app/projects", "/app/enterprises?page=abc", "/app/projects/abc", "/app/reports?from=yesterday",
               "/app/dashboard?level=purple"]
PUBLIC_PAGES = ["/login", "/login?reason=idle", "/rate/no-such-token", "/verify/0000000000", "/no/such/page"]
BROWSER_ACCEPT = {"accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
LINK = re.compile(r'href="(/app[^"#]*)"')
MAX_PAGES_PER_ROLE = 250
PAGES_PER_PATTERN = 4  # a few of each kind: the first approval page of a walk may have no file, the next one has
SKIP_TEXT = {"script", "style", "template"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
BUTTON_TYPES = {"submit", "button", "reset"}


class VisibleText(HTMLParser):
    """The text a user sees or hears on a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0
        self.untranslated: list[str] = []  # the tags open since an element marked translate="no"

    def handle_starttag(self, tag: str, attrs_list: list[tuple[str, str | None]]) -> None:
        attrs = {k: v or "" for k, v in attrs_list}
        if self.untranslated or attrs.get("translate") == "no":
            if tag not in VOID:
                self.untranslated.append(tag)
            return
        if tag in SKIP_TEXT:
            self.skipping += 1
        for name in ("title", "placeholder", "aria-label", "alt"):
            if attrs.get(name):
                self.parts.append(attrs[name])
        if tag == "input" and attrs.get("type") in BUTTON_TYPES and attrs.get("value"):
            self.parts.append(attrs["value"])

    def handle_endtag(self, tag: str) -> None:
        if self.untranslated:
            if tag in self.untranslated:
                while self.untranslated.pop() != tag:
                    pass
            return
        if tag in SKIP_TEXT and self.skipping:
            self.skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self.skipping and not self.untranslated and data.strip():
            self.parts.append(data)


def english_words(html: str) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    text = USER_DATA.sub(" ", "\n".join(parser.parts))
    return [word for word in WORD.findall(text) if word not in ALLOWED]


def pattern_of(path: str) -> str:
    """``/app/projects/7?tab=plan`` → ``/app/projects/#?tab``: one page per shape of link."""
    parts = urlsplit(path)
    keys = sorted({pair.split("=")[0] for pair in parts.query.split("&") if pair})
    return re.sub(r"/\d+", "/#", parts.path) + ("?" + "&".join(keys) if keys else "")


def test_the_checker_sees_what_a_user_sees() -> None:
    html = ('<html><head><title>Workbench</title><style>.a{color:red}</style></head><body>'
            '<script>var hidden = 1;</script><p>项目 Project</p><input placeholder="Search">'
            '<button aria-label="Close">×</button><input type="submit" value="Save"><input type="hidden" value="xyz">'
            '<p>导出 XLSX、PDF；Agency；文件 scan-file.pdf；联系 lee@example.com；用户 clerk</p>'
            '<p>运行 <code translate="no">agency <b>calendar</b> import</code> 后 Done</p></body></html>')
    assert english_words(html) == ["Workbench", "Project", "Search", "Close", "Save", "Done"]
    assert pattern_of("/app/projects/7?tab=plan&x=1") == "/app/projects/#?tab&x"


async def _walk(client: AsyncTestClient[Any], starts: list[str]) -> dict[str, tuple[int, list[str]]]:
    """Every page reachable from ``starts`` (one per pattern): its status and its English words."""
    seen: dict[str, int] = {}
    queue = list(starts)
    found: dict[str, tuple[int, list[str]]] = {}
    while queue and len(found) < MAX_PAGES_PER_ROLE:
        path = queue.pop(0).replace("&amp;", "&")
        if path in found or seen.get(pattern_of(path), 0) >= PAGES_PER_PATTERN:
            continue
        seen[pattern_of(path)] = seen.get(pattern_of(path), 0) + 1
        response = await client.get(path)
        kind = response.headers.get("content-type", "")
        if not kind.startswith("text/html"):
            # A file (a scan shown inline, a paper, an export) is fine; an answer for a program is not a page.
            if response.status_code >= 400 or kind.startswith(("application/json", "text/plain")):
                found[path] = (response.status_code, [f"not a page: {kind}"])
            continue
        found[path] = (response.status_code, english_words(response.text))
        queue.extend(LINK.findall(response.text))
    return found


async def test_no_page_of_any_role_shows_english(demo_settings: Settings) -> None:
    app = create_app(demo_settings)
    roles = dict(HOMES) | {user: ["/app/inbox", "/app"] for user in await department_users(demo_settings)}
    leaks: dict[str, list[str]] = {}
    walked = 0
    for user, homes in roles.items():
        async with AsyncTestClient(app=app, raise_server_exceptions=False,
                                   base_url="https://testserver.local") as client:
            if user == "clerk":  # the pages before a login: the login itself, a rating link, a paper's check
                for path in PUBLIC_PAGES:
                    response = await client.get(path, headers=BROWSER_ACCEPT)
                    assert response.status_code < 500 and response.headers["content-type"].startswith("text/html"), \
                        (path, response.status_code, response.text[:300])
                    leaks |= {f"{path} ({response.status_code})": words} if (words := english_words(response.text)) \
                        else {}
            await demo_login(client, demo_settings, user)
            pages = await _walk(client, homes + ERROR_PAGES)
            walked += len(pages)
            for path, (status, words) in pages.items():
                assert status < 500, (user, path, status)
                if words:
                    leaks[f"{user} {path} ({status})"] = sorted(set(words))
    assert not leaks, "\n".join(f"{where}: {words}" for where, words in leaks.items())
    assert walked >= 60, walked


async def _form(client: AsyncTestClient[Any], page: str, action: str, data: dict[str, str],
                files: dict[str, tuple[str, bytes, str]] | None = None) -> tuple[int, list[str]]:
    """A form sent as a browser without JavaScript sends it; the page that answers, read as above."""
    from tests.web.test_web_pages import csrf

    token = await csrf(client, page)
    response = await client.post(action, data={"_csrf_token": token, **data}, files=files)
    assert response.headers.get("content-type", "").startswith("text/html"), (action, response.text[:300])
    return response.status_code, english_words(response.text)


async def test_form_messages_show_no_english(demo_settings: Settings) -> None:
    """What a wrong entry answers: the services' messages keep their Chinese half only (the API's developers
    read "（password must have at least 10 characters）", a clerk does not)."""
    app = create_app(demo_settings)
    answers: dict[str, tuple[int, list[str]]] = {}
    async with AsyncTestClient(app=app, raise_server_exceptions=False, base_url="https://testserver.local") as client:
        await demo_login(client, demo_settings, "clerk")
        answers["short password"] = await _form(client, "/app/password", "/app/password", {
            "current_password": demo_settings.demo_password, "new_password": "short", "confirm": "short"})
        answers["wrong current password"] = await _form(client, "/app/password", "/app/password", {
            "current_password": "not-the-password", "new_password": "Another@Password2026",
            "confirm": "Another@Password2026"})
        answers["bad credit code"] = await _form(client, "/app/enterprises/new", "/app/enterprises/new", {
            "credit_code": "123", "name": "测试企业", "legal_representative": "张三", "contact_name": "李四",
            "contact_phone": "13800000000", "address": "工业园区一号"})
        home = (await client.get("/app")).text
        project = LINK.findall(home)
        project_path = next(p for p in project if re.fullmatch(r"/app/projects/\d+", p))
        approvals = [p for p in LINK.findall((await client.get(project_path)).text)
                     if re.fullmatch(r"/app/approvals/\d+", p)]
        for approval in approvals:
            upload = re.search(r'action="(/app/approvals/\d+/materials/[^"/]+/files)"',
                               (await client.get(approval)).text)
            if upload:
                answers["text file as a scan"] = await _form(client, approval, upload.group(1), {}, files={
                    "file": ("说明.txt", b"just some words, not a scan\n" * 20, "text/plain")})
                break
        else:
            raise AssertionError(f"no upload form on {approvals}")
    shown = {what: words for what, (status, words) in answers.items() if words}
    assert not shown, shown
    assert all(400 <= status < 500 for status, _ in answers.values()), answers


async def test_error_pages_are_pages_that_name_what_is_wrong(demo_settings: Settings) -> None:
    """Under /app every error is a page in the app's style, also where no page route ran at all; the API keeps
    its JSON body."""
    app = create_app(demo_settings)
    async with AsyncTestClient(app=app, raise_server_exceptions=False, base_url="https://testserver.local") as client:
        await demo_login(client, demo_settings, "clerk")
        for path, status, says in (("/app/enterprises?page=abc", 400, "地址中的“页码”取值无效"),
                                   ("/app?level=purple", 400, "地址中的“预警级别”取值无效"),
                                   ("/app/reports?from=yesterday", 400, "地址中的“开始日期”取值无效"),
                                   ("/app/projects/abc", 404, "页面不存在"), ("/app/no/such/page", 404, "页面不存在"),
                                   ("/no/such/page", 404, "页面不存在")):
            response = await client.get(path, headers=BROWSER_ACCEPT)
            assert response.status_code == status and response.headers["content-type"].startswith("text/html"), path
            assert says in response.text and 'class="card narrow error-page"' in response.text, (path, response.text)
        listing = await client.get("/app/projects", follow_redirects=False)
        assert listing.status_code == 303 and listing.headers["location"] == "/app#projects"
        api = await client.get("/api/no/such/thing")
        assert api.status_code == 404 and api.headers["content-type"].startswith("application/json")
