"""The web front end, through Flask's test client, on a small real index.

The index holds the two letters of the specification, the first 250 moties
of kst-xml/ and every motie there that mentions drones: a few seconds to
build, yet several years, topics and a citation between two letters.
"""
from __future__ import annotations

import os
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

from index.builder import build_index
from web import create_app
from web.state import get_searcher

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SECURITY_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy",
                    "X-Frame-Options")


def corpus_dir() -> Path:
    path = Path(os.environ.get("KAMERZOEK_CORPUS") or "/work/shared/corpus")
    if not path.is_dir():
        pytest.fail(f"corpus not found at {path} (set KAMERZOEK_CORPUS)")
    return path


@pytest.fixture(scope="session")
def index_dir(tmp_path_factory) -> Path:
    corpus = corpus_dir()
    xml = sorted((corpus / "kst-xml").glob("*.xml"))
    drones = [p for p in xml if "drone" in p.read_text(encoding="utf-8", errors="replace").lower()]
    target = tmp_path_factory.mktemp("web") / "index"
    report = build_index([corpus / "letters", *xml[:250], *drones], target, procs=2)
    assert report.letters > 250 and not report.failed
    return target


@pytest.fixture(scope="session")
def app(index_dir):
    return create_app({"KAMERZOEK_INDEX": str(index_dir), "TESTING": True,
                       "CORS_ORIGINS": ["https://example.org"]})


@pytest.fixture()
def client(app):
    return app.test_client()


class Links(HTMLParser):
    """Every <a> on a page: (href, attributes, text)."""

    def __init__(self, html: str):
        super().__init__()
        self.links, self._open = [], None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self._open = [dict(attrs).get("href"), dict(attrs), ""]

    def handle_data(self, data):
        if self._open is not None:
            self._open[2] += data

    def handle_endtag(self, tag):
        if tag == "a" and self._open is not None:
            self._open[2] = " ".join(self._open[2].split())
            self.links.append(tuple(self._open))
            self._open = None


def page(client, url: str, status: int = 200) -> str:
    # Links on the search page are relative to it: "?q=...".
    response = client.get("/" + url if url.startswith("?") else url)
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)


def args_of(href: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(href).query)


# --- the search page ---------------------------------------------------------

def test_search_page_finds_the_letter_with_marked_snippets(client):
    html = page(client, "/?q=autonome+wapens")
    assert "/kst-33694-45?q=autonome+wapens" in html
    assert "Kamerstuk 33 694, nr. 45" in html
    assert "13 mei 2019" in html and "Brief regering" in html
    assert "Minister van Buitenlandse Zaken" in html
    assert re.search(r"<mark>autonome</mark>", html, re.IGNORECASE)
    assert '<link rel="alternate" type="application/json" href="/api/search?q=autonome+wapens"' in html
    assert '<html lang="nl">' in html and 'name="viewport"' in html
    assert 'class="skip-link" href="#inhoud"' in html and 'id="inhoud"' in html


def test_html_twin_and_json_agree(client):
    html = page(client, "/?q=drones")
    data = client.get("/api/search?q=drones").get_json()
    assert data["total"] > 1
    assert f'{data["total"]} resultaten' in html
    for hit in data["hits"]:
        assert f'/{hit["id"]}?q=drones' in html


def test_facet_links_add_and_remove_a_filter(client):
    html = page(client, "/?q=drones")
    year_links = [href for href, attrs, _ in Links(html).links
                  if href and ("year", "2025") in args_of(href) and "facet__link" in attrs.get("class", "")]
    assert year_links, "no facet link for 2025"
    assert set(args_of(year_links[0])) == {("q", "drones"), ("year", "2025")}

    filtered = page(client, year_links[0])
    data = client.get("/api/search" + year_links[0]).get_json()
    assert 0 < data["total"] < client.get("/api/search?q=drones").get_json()["total"]
    links = Links(filtered).links
    chips = [(href, text) for href, attrs, text in links if "chip" == attrs.get("class")]
    assert chips and "Jaar: 2025" in chips[0][1]
    assert args_of(chips[0][0]) == [("q", "drones")]
    active = [href for href, attrs, _ in links if attrs.get("aria-current") == "true"
              and "facet__link" in attrs.get("class", "")]
    assert active and ("year", "2025") not in args_of(active[0])


def test_year_chart_links_each_bar_to_its_year(client):
    html = page(client, "/?q=drones")
    svg = re.search(r"<svg.*?</svg>", html, re.S).group(0)
    bars = re.findall(r'<a href="([^"]+)" class="chart__bar', svg)
    assert len(bars) >= 2
    assert {dict(args_of(href.replace("&amp;", "&")))["year"] for href in bars} >= {"2024", "2025"}
    assert "style=" not in svg


def test_sort_links_and_pagination(client):
    html = page(client, "/?q=&sort=date&page=2")
    assert "Recente documenten" not in html or "pagina 2" in html
    links = Links(html).links
    pagination = Links(re.search(r'<nav class="pagination".*?</nav>', html, re.S).group(0)).links
    current = [text for _, attrs, text in pagination if attrs.get("aria-current") == "page"]
    assert current == ["Pagina 2"]
    assert any(attrs.get("rel") == "prev" for _, attrs, _ in links)
    sort_nav = re.search(r'<nav class="sort".*?</nav>', html, re.S).group(0)
    sorts = {text: href for href, attrs, text in Links(sort_nav).links}
    assert set(sorts) == {"Relevantie", "Nieuwste eerst", "Oudste eerst"}
    assert all("page=" not in href for href in sorts.values())


def test_empty_query_shows_recent_letters_newest_first(client):
    html = page(client, "/")
    assert "Recente documenten" in html
    data = client.get("/api/search").get_json()
    dates = [hit["date"] for hit in data["hits"] if hit["date"]]
    assert dates == sorted(dates, reverse=True)


def test_no_results_says_so_and_offers_to_drop_filters(client):
    html = page(client, "/?q=autonome+wapens&year=1850")
    assert "Geen documenten gevonden" in html
    drop = [href for href, _, text in Links(html).links if text == "Zoek zonder filters"]
    assert drop and args_of(drop[0]) == [("q", "autonome wapens")]


def test_script_in_the_query_is_escaped(client):
    html = page(client, "/?q=%3Cscript%3Ealert(1)%3C/script%3E")
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script" not in html


def test_inferred_topics_are_marked(client):
    html = page(client, "/?q=autonome+wapens")
    hit = html[html.index("/kst-33694-45?q="):]
    hit = hit[:hit.index("</li>\n</ol>") if "</li>\n</ol>" in hit else 3000]
    assert "tag--inferred" in hit and "(afgeleid)" in hit


# --- bad input -----------------------------------------------------------------

@pytest.mark.parametrize("query, parameter", [
    ("page=abc", "page"), ("page=0", "page"), ("per_page=101", "per_page"),
    ("sort=upside", "sort"), ("year=twenty", "year"), ("q=wa*", "q"), ("q=jaar:abc", "q"),
    ("q=" + "x" * 1001, "q"),
])
def test_bad_parameters_are_400_naming_the_parameter(client, query, parameter):
    response = client.get("/api/search?" + query)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["parameter"] == parameter and error["message"]
    html = page(client, "/?" + query, status=400)
    assert "Deze zoekvraag kunnen we niet verwerken" in html
    assert "Traceback" not in html


def test_bad_page_message_is_dutch(client):
    error = client.get("/api/search?page=abc").get_json()["error"]
    assert error == {"parameter": "page",
                     "message": "Pagina moet een geheel getal tussen 1 en 10000 zijn, niet 'abc'."}


@pytest.mark.parametrize("url", ["/kst-99999-1", "/geen-brief", "/a%20b", "/..%2Fetc%2Fpasswd",
                                 "/" + "x" * 300])
def test_unknown_letter_is_a_404_page(client, url):
    html = page(client, url, status=404)
    assert "Niet gevonden" in html and "Naar de zoekpagina" in html


def test_unknown_letter_is_a_404_in_the_api(client):
    response = client.get("/api/letters/kst-99999-1")
    assert response.status_code == 404
    assert "kst-99999-1" in response.get_json()["error"]["message"]
    assert client.get("/api/nergens").get_json()["error"]["message"]


def test_wrong_method_is_405_in_both_forms(client):
    response = client.post("/api/search")
    assert response.status_code == 405 and response.get_json()["error"]["message"]
    assert "GET" in response.headers["Allow"]
    response = client.post("/")
    assert response.status_code == 405 and "Methode niet toegestaan" in response.get_data(as_text=True)


def test_an_unexpected_error_is_500_without_a_trace(index_dir):
    app = create_app({"KAMERZOEK_INDEX": str(index_dir)})

    def boom():
        raise RuntimeError("geheim detail")
    app.add_url_rule("/api/boom", "api_boom", boom)
    app.add_url_rule("/kapot/boom", "boom", boom)
    client = app.test_client()
    response = client.get("/api/boom")
    assert response.status_code == 500 and "geheim" not in response.get_data(as_text=True)
    assert response.get_json()["error"]["message"]
    response = client.get("/kapot/boom")
    assert response.status_code == 500
    assert "Er ging iets mis" in response.get_data(as_text=True)
    assert "geheim" not in response.get_data(as_text=True)
    for name in SECURITY_HEADERS:
        assert name in response.headers


def test_missing_index_is_a_clear_503(tmp_path):
    client = create_app({"KAMERZOEK_INDEX": str(tmp_path / "nergens")}).test_client()
    response = client.get("/?q=wapens")
    assert response.status_code == 503
    html = response.get_data(as_text=True)
    assert "Zoeken is tijdelijk niet beschikbaar" in html and "Geen index gevonden" in html
    response = client.get("/api/search?q=wapens")
    assert response.status_code == 503 and "Geen index" in response.get_json()["error"]["message"]
    assert client.get("/help").status_code == 200


# --- the letter page -------------------------------------------------------------

def test_letter_page_marks_the_query_and_links_to_the_first_match(client):
    html = page(client, "/kst-33694-45?q=autonome+wapens")
    assert '<mark id="eerste-treffer">' in html
    assert 'href="#eerste-treffer"' in html
    assert html.count("<mark") > 3
    assert "Internationale Veiligheidsstrategie" in html and "2018-2019" in html
    assert 'href="/?q=autonome+wapens"' in html
    assert '<link rel="alternate" type="application/json" href="/api/letters/kst-33694-45"' in html


def test_letter_page_without_query_marks_nothing(client):
    html = page(client, "/kst-33694-45")
    assert "<mark" not in html and "eerste-treffer" not in html
    assert html.count("<p>") > 20  # paragraphs kept


def test_letter_page_shows_who_cites_it_and_links_references(client):
    html = page(client, "/kst-33694-45")
    assert "Aangehaald door" in html
    assert "/brief-opvolging-motie-koopmans-be97af" in html
    citing = page(client, "/brief-opvolging-motie-koopmans-be97af?q=wapens")
    assert '<a href="/kst-33694-45?q=wapens">' in citing  # inside the text
    assert "niet in de index" in citing  # kst-33783-41 is not


# --- help, static files and route order ---------------------------------------

def test_help_explains_the_query_language(client):
    html = page(client, "/help")
    for example in ("&#34;betekenisvolle menselijke controle&#34;", "-politie", " OF ", "wapen*",
                    "jaar:2019", "jaar:2015..2020", "dossier:33694", "onderwerp:",
                    "afzender:", "soort:", "33 694, nr. 45", "kst-33694-45"):
        assert example in html, example


def test_fixed_routes_are_not_taken_for_letters(client):
    assert "Zoektips" in page(client, "/help")
    with client.get("/static/style.css") as css:
        assert css.status_code == 200 and css.mimetype == "text/css"
    assert client.get("/api/search?q=drones").is_json


# --- the API --------------------------------------------------------------------

def test_api_search_has_the_shared_json_shape(client):
    data = client.get("/api/search?q=autonome+wapens&per_page=5").get_json()
    assert list(data) == ["query", "total", "page", "per_page", "took_ms", "hits", "facets",
                          "suggestion", "expansions"]
    assert "kst-33694-45" in [hit["id"] for hit in data["hits"]]
    assert any("<mark>" in s for hit in data["hits"] for s in hit["snippets"])
    assert set(data["facets"]) == {"year", "dossier", "topic", "doc_type", "sender"}


def test_api_filters_by_repeated_arguments(client):
    both = client.get("/api/search?q=drones&year=2024&year=2025").get_json()["total"]
    one = client.get("/api/search?q=drones&year=2024").get_json()["total"]
    other = client.get("/api/search?q=drones&year=2025").get_json()["total"]
    assert both == one + other and one and other


def test_api_facets(client):
    data = client.get("/api/facets?q=drones&year=2025").get_json()
    search = client.get("/api/search?q=drones&year=2025").get_json()
    assert data["total"] == search["total"] and data["facets"] == search["facets"]
    assert data["filters"] == {"year": ["2025"]}
    assert list(data["facets"]["year"]) == ["2025"]


def test_api_letter_includes_cited_by(client):
    data = client.get("/api/letters/kst-33694-45").get_json()
    assert data["kamerstuk"] == "kst-33694-45" and data["body"]
    assert "brief-opvolging-motie-koopmans-be97af" in data["cited_by"]


def test_openapi_lists_every_api_route_and_matches_responses(app, client):
    spec = client.get("/api/openapi.json").get_json()
    assert spec["openapi"].startswith("3.1")
    routes = {re.sub(r"<(?:\w+:)?(\w+)>", "{id}", rule.rule) for rule in app.url_map.iter_rules()
              if rule.rule.startswith("/api/")}
    assert routes == set(spec["paths"])
    schemas = spec["components"]["schemas"]
    search = client.get("/api/search?q=autonome+wapens").get_json()
    assert set(schemas["SearchResponse"]["required"]) == set(search)
    assert set(schemas["Hit"]["required"]) == set(search["hits"][0])
    letter = client.get("/api/letters/kst-33694-45").get_json()
    assert set(schemas["Letter"]["required"]) == set(letter)
    facets = client.get("/api/facets?q=drones").get_json()
    assert set(schemas["FacetsResponse"]["required"]) == set(facets)
    error = client.get("/api/search?page=abc").get_json()
    assert set(schemas["Error"]["properties"]["error"]["properties"]) == set(error["error"])


# --- every response --------------------------------------------------------------

@pytest.mark.parametrize("url", [
    "/", "/?q=drones", "/?page=abc", "/help", "/kst-33694-45", "/kst-00000-0",
    "/static/style.css", "/api/search?q=drones", "/api/search?page=abc", "/api/facets",
    "/api/letters/kst-33694-45", "/api/letters/nope", "/api/openapi.json", "/api/nope",
])
def test_security_headers_on_every_response(client, url):
    response = client.get(url)
    response.close()  # static files are streamed from an open file
    for name in SECURITY_HEADERS:
        assert name in response.headers, (url, name)
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    if response.mimetype == "text/html":
        html = response.get_data(as_text=True)
        assert "<script" not in html and " style=" not in html and "<style" not in html


def test_cors_only_for_configured_origins(client):
    allowed = client.get("/api/search?q=drones", headers={"Origin": "https://example.org"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://example.org"
    other = client.get("/api/search?q=drones", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers
    page_response = client.get("/?q=drones", headers={"Origin": "https://example.org"})
    assert "Access-Control-Allow-Origin" not in page_response.headers


def test_one_searcher_per_app(app, client):
    client.get("/?q=drones")
    with app.app_context():
        first = get_searcher()
    client.get("/api/search?q=wapens")
    with app.app_context():
        assert get_searcher() is first
