"""End to end in a real headless Chromium: the app served over HTTP on the
real index (tests/conftest.py's `index_dir`: the letters and every KOOP XML
Kamerstuk), driven by Playwright as a visitor would.

Screenshots land in test-artifacts/ (git-ignored) for CI to keep.

Without Playwright or Chromium these tests skip locally, with the reason;
under CI (CI=true) they fail instead, so a broken CI image cannot pass
unnoticed.
"""
from __future__ import annotations

import json
import os
import re
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Response

from web import create_app

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("KAMERZOEK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 740}
# Per metadata line ("Kamerstuk … · 13 mei 2019 · Brief regering"), per
# item: does it start a line, and is the "·" before it inside the line's
# visible box (the box clips what hangs past its left edge)?
SEPARATORS = """lists => lists.map(list => {
  const edge = list.getBoundingClientRect().left;
  const clips = getComputedStyle(list).overflowX === 'hidden';
  return [...list.children].map(item => {
    const left = item.getBoundingClientRect().left;
    const before = getComputedStyle(item, '::before');
    return {startsLine: Math.abs(left - edge) < 1, content: before.content,
            shown: !clips || left - parseFloat(before.width) >= edge - 0.5};
  });
})"""


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def unavailable(reason: str):
    if in_ci():
        pytest.fail(f"{reason}; CI must run the browser tests")
    pytest.skip(reason)


class Server:
    """A WSGI app on 127.0.0.1 and a free port, in a thread."""

    def __init__(self, app):
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self):
        self._server.shutdown()
        self._thread.join(timeout=10)


# Session-scoped so that it comes before the (session) index build: a
# missing browser is reported at once, not after the build.
@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("Playwright is not installed (pip install -e '.[test]')")
    if not os.access(CHROMIUM, os.X_OK):
        unavailable(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                              args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def app(index_dir):
    return create_app({"KAMERZOEK_INDEX": str(index_dir), "CORS_ORIGINS": []})


@pytest.fixture(scope="module")
def kamerzoek(app):
    server = Server(app)
    yield server.url
    server.stop()


@pytest.fixture(scope="module")
def intranet(kamerzoek):
    """Another origin (another port) with nothing but the widget's tag."""
    def page(environ, start_response):
        html = ("<!doctype html><html lang='nl'><head><meta charset='utf-8'>"
                "<title>Intranet</title></head><body><h1>Intranet</h1>"
                f"<script src='{kamerzoek}/widget.js' data-per-page='3' data-year='2024|2025' "
                "data-title='Zoek in Kamerstukken'></script></body></html>")
        return Response(html, mimetype="text/html")(environ, start_response)
    server = Server(page)
    yield server.url
    server.stop()


@pytest.fixture()
def page(browser):
    context = browser.new_context(viewport=DESKTOP, locale="nl-NL")
    tab = context.new_page()
    # Console errors include CSP violations: none are expected anywhere.
    tab.errors = []
    tab.on("console", lambda msg: msg.type == "error" and tab.errors.append(msg.text))
    tab.on("pageerror", lambda exc: tab.errors.append(str(exc)))
    yield tab
    context.close()


def shot(page, name: str):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"e2e-{name}.png"), full_page=True)


def count_in(text: str) -> int:
    return int(re.search(r"[\d.]+", text).group(0).replace(".", ""))


def test_search_filter_and_open_a_letter(page, kamerzoek):
    page.goto(kamerzoek + "/")
    page.fill("#q", "autonome wapens")
    page.click("button.search-form__button")
    page.wait_for_url(re.compile(r"q=autonome\+wapens"))
    assert page.locator(".hit").count() >= 5
    assert page.locator(".hit__snippets mark").count() > 0
    total = count_in(page.inner_text("#resultaten"))
    shot(page, "1-results")

    year = page.locator("section[aria-labelledby=facet-year] .facet__link",
                        has=page.locator(".facet__value", has_text=re.compile(r"^2019$")))
    expected = count_in(year.locator(".facet__count").inner_text())
    assert 0 < expected < total
    year.click()
    page.wait_for_url(re.compile(r"year=2019"))
    assert re.sub(r"\s+", " ", page.inner_text(".chip")).startswith("Jaar: 2019")
    assert count_in(page.inner_text("#resultaten")) == expected
    shot(page, "2-filtered")

    page.click("a[href^='/kst-33694-45?']")
    page.wait_for_url(re.compile(r"/kst-33694-45\?q=autonome"))
    assert page.locator("mark#eerste-treffer").count() == 1
    jump = page.locator("a[href='#eerste-treffer']")
    assert jump.inner_text() == "Naar de eerste treffer"
    jump.click()
    page.wait_for_url(re.compile(r"#eerste-treffer$"))
    box = page.locator("mark#eerste-treffer").bounding_box()
    assert 0 <= box["y"] < DESKTOP["height"], "the first match is scrolled into view"
    related = page.locator("#verwant-kop + ul.doc-list a")
    assert 1 <= related.count() <= 5
    shot(page, "3-letter")
    assert not page.errors


def test_the_widget_on_the_demo_page(page, kamerzoek):
    page.goto(kamerzoek + "/embed-demo")
    widget = page.locator(".kamerzoek-widget")
    widget.locator("input[type=search]").fill("autonome wapens")
    widget.locator("input[type=search]").press("Enter")
    hits = widget.locator(".kzw-hit")
    hits.first.wait_for()
    assert hits.count() == 4  # data-per-page on the demo page
    assert widget.locator(".kzw-snippet .kzw-mark").count() > 0
    assert "resultaten voor “autonome wapens”" in widget.locator(".kzw-status").inner_text()
    link = widget.locator("a.kzw-link").first.get_attribute("href")
    assert link.startswith(kamerzoek + "/") and "q=autonome+wapens" in link.replace("%20", "+")
    # The host page's styles stay out: the widget keeps its own font.
    assert "system-ui" in widget.locator(".kzw").evaluate("e => getComputedStyle(e).fontFamily")
    shot(page, "4-widget")
    assert not page.errors


def test_the_widget_on_another_origin_needs_cors(page, app, kamerzoek, intranet):
    app.config["CORS_ORIGINS"] = [intranet]
    try:
        page.goto(intranet + "/")
        widget = page.locator(".kamerzoek-widget")
        widget.locator("input").fill("drones")
        widget.locator("input").press("Enter")
        widget.locator(".kzw-hit").first.wait_for()
        assert widget.locator(".kzw-hit").count() == 3
        # data-year filters the search, and "all results" keeps the filter.
        expected = app.test_client().get("/api/search?q=drones&year=2024&year=2025").get_json()
        more = widget.locator("a.kzw-more")
        assert count_in(more.inner_text()) == expected["total"]
        assert more.get_attribute("href") == f"{kamerzoek}/?q=drones&year=2024&year=2025"
        assert widget.locator(".kzw-date").first.inner_text().endswith(("2024", "2025"))
        shot(page, "5-widget-other-origin")

        app.config["CORS_ORIGINS"] = []
        widget.locator("input").fill("stikstof")
        widget.locator("input").press("Enter")
        status = widget.locator(".kzw-status--error")
        status.wait_for()
        assert "niet bereikbaar" in status.inner_text()
        assert widget.locator(".kzw-hit").count() == 0
    finally:
        app.config["CORS_ORIGINS"] = []


def test_the_widget_never_turns_api_text_into_markup(page, kamerzoek):
    """Even a snippet carrying markup (which the server never sends) ends up
    as text: only <mark> is recreated."""
    evil = {"query": "x", "total": 1, "page": 1, "per_page": 4, "took_ms": 1, "facets": {},
            "suggestion": "<b>wapens</b>", "expansions": [],
            "hits": [{"id": "kst-33694-45", "kamerstuk": "kst-33694-45",
                      "title": "<img src=x onerror=alert(1)>Titel", "date": "2019-05-13",
                      "doc_type": "<b>Brief</b>", "snippets": [
                          "&lt;b&gt; <img src=x onerror=alert(1)><mark>wapens</mark>"
                          "<script>alert(2)</script> &amp; meer"]}]}
    page.route("**/api/search?*", lambda route: route.fulfill(
        status=200, content_type="application/json", body=json.dumps(evil)))
    page.goto(kamerzoek + "/embed-demo")
    widget = page.locator(".kamerzoek-widget")
    widget.locator("input").fill("x")
    widget.locator("input").press("Enter")
    widget.locator(".kzw-hit").wait_for()
    assert widget.locator("img, script, b").count() == 0
    assert widget.locator("a.kzw-link").inner_text() == "<img src=x onerror=alert(1)>Titel"
    snippet = widget.locator(".kzw-snippet")
    assert snippet.locator("mark").inner_text() == "wapens"
    assert snippet.inner_text().startswith("<b> ")
    assert snippet.inner_text().endswith("& meer")
    assert "Kamerstuk 33 694, nr. 45" in widget.locator(".kzw-meta").inner_text()
    assert "13 mei 2019" in widget.locator(".kzw-meta").inner_text()
    assert widget.locator("button.kzw-suggest").inner_text() == "<b>wapens</b>"


def separators(page, selector: str) -> list[list[dict]]:
    return page.locator(selector).evaluate_all(SEPARATORS)


def test_metadata_lines_never_start_with_a_separator_on_a_phone(browser, kamerzoek):
    context = browser.new_context(viewport=PHONE, locale="nl-NL")
    try:
        tab = context.new_page()
        tab.goto(kamerzoek + "/kst-33694-45?q=autonome+wapens")
        lines = separators(tab, ".letter-head__kicker, .letter-head__meta, .doc-list__meta")
        tab.goto(kamerzoek + "/?q=autonome+wapens")
        lines += separators(tab, ".hit__meta")
        tab.goto(kamerzoek + "/embed-demo")
        widget = tab.locator(".kamerzoek-widget")
        widget.locator("input[type=search]").fill("autonome wapens")
        widget.locator("input[type=search]").press("Enter")
        widget.locator(".kzw-hit").first.wait_for()
        lines += separators(tab, ".kzw-meta")
        items = [item for line in lines for item in line]
        assert all(item["content"] == '"·"' for item in items)
        assert all(item["shown"] != item["startsLine"] for item in items), lines
        # Some line did wrap on the narrow screen, so the rule was put to work.
        assert any(item["startsLine"] for line in lines for item in line[1:])
    finally:
        context.close()
