"""Walk the site as a person would: follow every link a page offers, a few pages per route.

Used by the CSRF and stored-XSS tests, so a page added anywhere (and linked from another page)
is covered without editing them.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from django.test import Client
from django.urls import Resolver404, resolve

# Not pages of the app: the API (fuzzed and matrixed elsewhere), the admin, static files.
SKIP_PREFIXES = ("/api/v1/", "/api/schema/", "/admin/", "/static/")


@dataclass
class Form:
    method: str
    action: str  # absolute path
    fields: set[str]


@dataclass
class Page:
    path: str
    status: int
    html: str
    forms: list[Form] = field(default_factory=list)


class _Links(HTMLParser):
    def __init__(self, base: str):
        super().__init__(convert_charrefs=True)
        self.base = base
        self.links: list[str] = []
        self.forms: list[Form] = []
        self._form: Form | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        for attr in ("href", "hx-get"):
            if attr in a and tag != "link":
                self.links.append(urljoin(self.base, a[attr]))
        if tag == "form":
            action = urljoin(self.base, a.get("action") or self.base)
            self._form = Form(
                method=(a.get("method") or "get").lower(), action=action, fields=set()
            )
            self.forms.append(self._form)
            if self._form.method == "get":
                self.links.append(action)
        if "hx-post" in a:
            # htmx posts the enclosing form's fields (its CSRF token among them).
            fields = self._form.fields if self._form else set()
            action = urljoin(self.base, a["hx-post"])
            self.forms.append(Form(method="post", action=action, fields=fields))
        elif tag in ("input", "select", "textarea", "button") and self._form and a.get("name"):
            self._form.fields.add(a["name"])

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None


def route_of(path: str) -> str | None:
    """The route a path resolves to (namespace:name), or None when it is not ours."""
    try:
        match = resolve(urlsplit(path).path)
    except Resolver404:
        return None
    return match.view_name


def _local(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("", "http") or parts.netloc not in ("", "testserver"):
        return None
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    if not path.startswith("/") or path.startswith(SKIP_PREFIXES):
        return None
    return path


def crawl(
    client: Client, start: tuple[str, ...] = ("/",), per_route: int = 2, limit: int = 600
) -> dict[str, Page]:
    """GET every page reachable from `start`, at most `per_route` pages of each route."""
    pages: dict[str, Page] = {}
    seen_per_route: dict[str, int] = {}
    queue: deque[str] = deque(start)
    queued = set(start)
    while queue and len(pages) < limit:
        path = queue.popleft()
        route = route_of(path)
        if route is None or route.endswith("logout"):
            continue
        if seen_per_route.get(route, 0) >= per_route:
            continue
        seen_per_route[route] = seen_per_route.get(route, 0) + 1
        response = client.get(path)
        html = ""
        if response.headers.get("Content-Type", "").startswith("text/html"):
            html = response.content.decode()
        page = Page(path=path, status=response.status_code, html=html)
        pages[path] = page
        targets: list[str] = []
        if response.status_code in (301, 302, 303, 307, 308):
            targets.append(urljoin(path, response.headers["Location"]))
        elif html:
            parser = _Links(base=path)
            parser.feed(html)
            page.forms = parser.forms
            targets.extend(parser.links)
        for target in targets:
            local = _local(target)
            if local and local not in queued:
                queued.add(local)
                queue.append(local)
    return pages
