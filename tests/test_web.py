"""The web front end, through Flask's test client, on a small real index.

The index holds the two letters of the specification, the first 250 moties
of kst-xml/ and every motie there that mentions drones: a few seconds to
build, yet several years, topics and a citation between two letters.
"""
from __future__ import annotations

import json
import os
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit
from xml.etree import ElementTree

import pytest
from jsonschema import Draft202012Validator

import config
from corpus.letter import person_name
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


def facet_links(html: str, facet: str) -> dict[str, tuple[str, dict]]:
    """The facet's value -> (href, attributes) of its link in the sidebar."""
    section = re.search(rf'<section class="facet" aria-labelledby="facet-{facet}">.*?</section>',
                        html, re.S).group(0)
    return {text.split()[0]: (href, attributes) for href, attributes, text in Links(section).links}


def test_a_chosen_year_keeps_the_other_years_on_offer_to_add(client):
    everything = client.get("/api/search?q=drones").get_json()["facets"]["year"]
    assert {"2024", "2025"} <= set(everything)
    html = page(client, "/?q=drones&year=2024")
    years = facet_links(html, "year")
    assert set(years) == set(everything)
    assert years["2024"][1].get("aria-current") == "true"
    href = years["2025"][0]
    assert years["2025"][1].get("aria-current") is None
    assert sorted(args_of(href)) == [("q", "drones"), ("year", "2024"), ("year", "2025")]
    # Counts are what each year adds, as the unfiltered search counts them.
    assert f"2025 {everything['2025']}" in " ".join(
        text for _, _, text in Links(html).links if text.startswith("2025"))
    both = client.get("/api/search" + href).get_json()
    assert both["total"] == everything["2024"] + everything["2025"]
    # The chart keeps every year too, the chosen one drawn as chosen.
    svg = re.search(r"<svg.*?</svg>", html, re.S).group(0)
    assert 'class="chart__bar is-active" aria-label="2024:' in svg
    assert 'aria-label="2025:' in svg
    # Other facets still count the letters of the chosen year only.
    topics = facet_links(html, "topic")
    in_2024 = client.get("/api/search?q=drones&year=2024").get_json()["facets"]["topic"]
    assert set(topics) == {topic.split()[0] for topic in in_2024}


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
    # Without search words nothing is more relevant than anything else.
    assert set(sorts) == {"Nieuwste eerst", "Oudste eerst"}
    assert all("page=" not in href for href in sorts.values())
    sort_nav = re.search(r'<nav class="sort".*?</nav>', page(client, "/?q=drones&sort=date"),
                         re.S).group(0)
    sorts = {text: (href, attrs) for href, attrs, text in Links(sort_nav).links}
    assert set(sorts) == {"Relevantie", "Nieuwste eerst", "Oudste eerst"}
    assert sorts["Nieuwste eerst"][1].get("aria-current") == "true"
    assert args_of(sorts["Relevantie"][0]) == [("q", "drones"), ("sort", "relevance")]


def test_a_page_past_the_end_says_so_and_links_the_last_page(client):
    total = client.get("/api/search?q=drones").get_json()["total"]
    last = -(-total // 10)
    assert last > 1
    html = page(client, f"/?q=drones&page={last + 2}")
    assert f"Pagina {last + 2} bestaat niet" in html and f"Er zijn {last} pagina’s" in html
    href = next(href for href, _, text in Links(html).links
                if text == f"Naar de laatste pagina ({last})")
    assert args_of(href) == [("q", "drones"), ("page", str(last))]
    assert "hit__title" in page(client, href)
    data = client.get(f"/api/search?q=drones&page={last + 2}").get_json()
    assert data["hits"] == [] and data["total"] == total


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


def test_letter_page_says_how_its_topic_was_inferred(client):
    assert client.get("/api/letters/kst-33694-45").get_json()["topic_source"] == "model"
    html = page(client, "/kst-33694-45")
    # A classifier over the letter's words, not a language model.
    assert "Afgeleid uit de woorden van de brief (geen metadata)." in html
    assert "taalmodel" not in html


def test_letter_page_links_each_co_signer(client):
    hits = client.get("/api/search?q=motie&per_page=100").get_json()["hits"]
    letter = next(h for h in hits if h["sender"] and "; " in h["sender"])
    html = page(client, f"/{letter['id']}")
    assert letter["sender"] in html
    for name in letter["sender"].split("; "):
        # Each member as the sender facet counts them ("D.G.M. Ceder": "Ceder").
        link = re.search(r'href="(/\?sender=[^"]+)">' + re.escape(person_name(name)) + "<", html)
        assert link, name
        found = page(client, link.group(1).replace("&amp;", "&") + "&per_page=100")
        assert f'href="/{letter["id"]}' in found


def test_a_sender_filter_with_initials_is_sent_to_the_name_the_facet_lists(client):
    """An old link or a typed name with initials ("D.G.M. Ceder") is
    redirected to the value the sender facet lists ("Ceder"), so that the
    chip and the facet show one name, and the facet marks it chosen."""
    hits = client.get("/api/search?q=motie&per_page=100").get_json()["hits"]
    typed = next(name for h in hits if h["sender"] for name in h["sender"].split("; ")
                 if person_name(name) != name)
    answer = client.get("/?" + urlencode({"q": "motie", "sender": typed, "page": "1"}))
    assert answer.status_code == 302
    target = answer.headers["Location"]
    assert parse_qsl(urlsplit(target).query) == [("q", "motie"), ("sender", person_name(typed)),
                                                 ("page", "1")]
    html = page(client, "/?" + urlsplit(target).query)
    assert f'<span class="chip__facet">Afzender:</span> {person_name(typed)}' in html
    assert typed not in html.split('class="chips"')[1].split("</ul>")[0]


def test_the_api_names_the_filters_it_applied(client):
    """A client that sends a sender with initials is told the name the
    facet lists, beside the letters found by it, and the sort used."""
    hits = client.get("/api/search?q=motie&per_page=100").get_json()["hits"]
    typed = next(name for h in hits if h["sender"] for name in h["sender"].split("; ")
                 if person_name(name) != name)
    data = client.get("/api/search?" + urlencode({"q": "motie", "sender": typed,
                                                  "year": "2024.."})).get_json()
    assert data["filters"] == {"sender": [person_name(typed)], "year": ["2024.."]}
    assert data["sort"] == "relevance" and data["total"] > 0
    assert client.get("/api/search?q=motie&sort=date").get_json()["filters"] == {}


def test_no_sender_the_facet_lists_is_redirected(client):
    senders = client.get("/api/search?q=motie").get_json()["facets"]["sender"]
    assert len(senders) > 5
    for name in senders:
        assert client.get("/?" + urlencode({"sender": name})).status_code == 200, name


# --- bad input -----------------------------------------------------------------

@pytest.mark.parametrize("query, parameter", [
    ("page=abc", "page"), ("page=0", "page"), ("per_page=101", "per_page"),
    ("sort=upside", "sort"), ("year=twenty", "year"), ("year=2019..2015", "year"),
    ("q=wa*", "q"), ("q=jaar:abc", "q"), ("q=jaar:2019..2015", "q"),
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


def test_a_bad_filter_is_blamed_on_the_filter_not_the_search_box(client):
    error = client.get("/api/search?q=drones&year=2019..2015").get_json()["error"]
    assert error == {"parameter": "year",
                     "message": "Jaarbereik '2019..2015' loopt achteruit; bedoelt u 2015..2019?"}
    html = page(client, "/?q=drones&year=2019..2015&topic=Internationaal", status=400)
    assert 'aria-invalid' not in html
    assert "Filter Jaar: Jaarbereik" in html
    without = next(href for href, _, text in Links(html).links
                   if text == "Zoek zonder het filter jaar")
    assert args_of(without) == [("q", "drones"), ("topic", "Internationaal")]
    html = page(client, "/?q=jaar:2019..2015", status=400)
    assert 'aria-invalid="true"' in html and "Filter Jaar" not in html


def test_year_ranges_may_be_open_at_one_end(client):
    years = client.get("/api/search?q=drones").get_json()["facets"]["year"]
    since = sum(n for year, n in years.items() if year.isdigit() and int(year) >= 2024)
    until = sum(n for year, n in years.items() if year.isdigit() and int(year) <= 2024)
    assert since and until
    assert client.get("/api/search?q=drones&year=2024..").get_json()["total"] == since
    assert client.get("/api/search?q=drones&year=..2024").get_json()["total"] == until


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


def test_an_index_that_cannot_be_reopened_is_a_clear_503(tmp_path):
    """The searcher is open and answering when the index on disk changes
    into one it cannot open: moved away, or swapped for one built with
    another analysis. Each is a 503 with the reason, and answers resume
    once a good index is back."""
    index_dir = tmp_path / "ix"
    build_index([corpus_dir() / "letters"], index_dir, procs=1)
    client = create_app({"KAMERZOEK_INDEX": str(index_dir), "CORS_ORIGINS": []}).test_client()
    found = client.get("/api/search?q=wapens").get_json()["total"]
    assert found

    moved = tmp_path / "elders"
    index_dir.rename(moved)
    response = client.get("/api/search?q=wapens")
    assert response.status_code == 503
    assert "Geen index gevonden" in response.get_json()["error"]["message"]
    response = client.get("/kst-33694-45")
    assert response.status_code == 503
    assert "Zoeken is tijdelijk niet beschikbaar" in response.get_data(as_text=True)

    # A folder swapped in by a rebuild of another kamerzoek version.
    shutil.copytree(moved, index_dir)
    manifest = index_dir / "kamerzoek.json"
    manifest.write_text(json.dumps({**json.loads(manifest.read_text()), "analysis": "ouder"}))
    response = client.get("/api/search?q=wapens")
    assert response.status_code == 503
    assert "kamerzoek index --rebuild" in response.get_json()["error"]["message"]
    html = client.get("/?q=wapens")
    assert html.status_code == 503 and "andere versie van de analyse" in html.get_data(as_text=True)

    shutil.rmtree(index_dir)
    moved.rename(index_dir)
    assert client.get("/api/search?q=wapens").get_json()["total"] == found


# --- dossier titles beside dossier numbers ------------------------------------

EUROPESE_RAAD = "21501-20"


def test_dossier_facet_shows_the_dossier_title(client):
    data = client.get("/api/search?q=autonome+wapens").get_json()
    assert "33694" in data["facets"]["dossier"]
    assert data["facet_labels"]["dossier"]["33694"] == "Internationale Veiligheidsstrategie"
    # Labels only for values shown, and none for letters without a dossier.
    assert set(data["facet_labels"]["dossier"]) <= set(data["facets"]["dossier"])
    assert "onbekend" not in data["facet_labels"]["dossier"]

    html = page(client, "/?q=autonome+wapens")
    facet = next(text for href, _, text in Links(html).links
                 if href and ("dossier", "33694") in args_of(href))
    assert facet.startswith("33694 Internationale Veiligheidsstrategie")


def test_active_dossier_filter_chip_names_the_dossier(client):
    html = page(client, f"/?q=raad&dossier={EUROPESE_RAAD}")
    chip = next(text for href, attributes, text in Links(html).links
                if attributes.get("class") == "chip")
    assert chip.startswith(f"Dossier: {EUROPESE_RAAD} Europese Raad")
    data = client.get(f"/api/facets?q=raad&dossier={EUROPESE_RAAD}").get_json()
    assert data["facet_labels"] == {"dossier": {EUROPESE_RAAD: "Europese Raad"}}


def test_the_title_most_letters_give_wins(tmp_path):
    """One letter of a dossier with another dossier title (a sidecar, as an
    OCR letter might misread it) does not rename the dossier."""
    folder = tmp_path / "letters"
    folder.mkdir()
    names = ("22cc8a3e-d30b-419b-8dcf-978c5fa739e3", "22d7f15b-a00a-4e11-9e0b-a77e91712e12",
             "2455c1c6-753b-4bc7-afe7-9afe3a508f34")
    for name in names:
        shutil.copy(corpus_dir() / "kst-xml" / f"{name}.xml", folder)
    (folder / f"{names[0]}.json").write_text(json.dumps({"dossier_title": "Wapenexportbelijd"}))
    build_index([folder], tmp_path / "ix", procs=1)
    client = create_app({"KAMERZOEK_INDEX": str(tmp_path / "ix"),
                         "CORS_ORIGINS": []}).test_client()
    data = client.get("/api/search").get_json()
    assert data["facets"]["dossier"] == {"22054": 3}
    assert data["facet_labels"] == {"dossier": {"22054": "Wapenexportbeleid"}}


# --- the letter page -------------------------------------------------------------

def test_letter_page_marks_the_query_and_links_to_the_first_match(client):
    html = page(client, "/kst-33694-45?q=autonome+wapens")
    assert '<mark id="eerste-treffer">' in html
    assert 'href="#eerste-treffer"' in html
    assert html.count("<mark") > 3
    assert "Internationale Veiligheidsstrategie" in html and "2018-2019" in html
    assert 'href="/?q=autonome+wapens"' in html
    assert '<link rel="alternate" type="application/json" href="/api/letters/kst-33694-45"' in html


def marked_words(html: str) -> set[str]:
    return {word.lower() for word in re.findall(r"<mark[^>]*>([^<]*)</mark>", html)}


@pytest.mark.parametrize("query, compound", [("risico", "veiligheidsrisico"),
                                             ("analyse", "risicoanalyse")])
def test_letter_page_marks_what_its_snippets_mark(client, query, compound):
    """Compound parts included: the letter page marks every word its
    snippets in the results marked."""
    hits = client.get(f"/api/search?q={query}&per_page=100").get_json()["hits"]
    snippets = next(hit["snippets"] for hit in hits if hit["id"] == "kst-33694-45")
    in_snippets = marked_words(" ".join(snippets))
    on_page = marked_words(page(client, f"/kst-33694-45?q={query}"))
    assert compound in in_snippets
    assert in_snippets <= on_page


def test_letter_page_marks_synonyms_searched_too(client):
    response = client.get("/api/search?q=AI").get_json()
    assert "kunstmatige intelligentie" in response["expansions"]
    assert {"kunstmatige", "intelligentie"} <= marked_words(page(client, "/kst-33694-45?q=AI"))


def test_letter_page_with_a_bad_query_shows_the_letter_unmarked(client):
    html = page(client, "/kst-33694-45?q=a*+wapens")  # a search refuses 'a*'
    assert "<mark" not in html and html.count("<p>") > 20


def test_letter_page_without_query_marks_nothing(client):
    html = page(client, "/kst-33694-45")
    assert "<mark" not in html and "eerste-treffer" not in html
    assert html.count("<p>") > 20  # paragraphs kept


def test_letter_page_shows_who_cites_it_and_links_references(client):
    html = page(client, "/kst-33694-45")
    assert "Aangehaald door" in html
    assert "/brief-opvolging-motie-koopmans-252f4e" in html
    citing = page(client, "/brief-opvolging-motie-koopmans-252f4e?q=wapens")
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
                          "facets_truncated", "filters", "sort", "suggestion", "expansions",
                          "facet_labels"]
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
    assert "brief-opvolging-motie-koopmans-252f4e" in data["cited_by"]


def test_openapi_lists_every_api_route(app, client):
    spec = client.get("/api/openapi.json").get_json()
    assert spec["openapi"].startswith("3.1")
    routes = {re.sub(r"<(?:\w+:)?(\w+)>", "{id}", rule.rule) for rule in app.url_map.iter_rules()
              if rule.rule.startswith("/api/")}
    assert routes == set(spec["paths"])
    for schema in spec["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)


def response_validator(spec: dict, path: str, status: int) -> Draft202012Validator:
    """The JSON Schema (2020-12, as OpenAPI 3.1 uses) of one documented
    response, with the spec's components beside it for its $refs."""
    content = spec["paths"][path]["get"]["responses"][str(status)]["content"]
    schema = {**content["application/json"]["schema"], "components": spec["components"]}
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


@pytest.mark.parametrize("url, path, status", [
    ("/api/search?q=autonome+wapens&explain=1", "/api/search", 200),
    ("/api/search?q=drones&year=2024&sort=date", "/api/search", 200),
    ("/api/search?sort=date", "/api/search", 200),  # browsing: scores are null
    ("/api/search?q=autonmoe+wapenz", "/api/search", 200),  # a suggestion
    ("/api/letters/kst-33694-45", "/api/letters/{id}", 200),
    ("/api/facets?q=drones&dossier=21501-20", "/api/facets", 200),
    ("/api/search?page=abc", "/api/search", 400),
    ("/api/facets?year=twenty", "/api/facets", 400),
    ("/api/letters/kst-00000-0", "/api/letters/{id}", 404),
])
def test_real_responses_match_their_openapi_schema(client, url, path, status):
    spec = client.get("/api/openapi.json").get_json()
    response = client.get(url)
    assert response.status_code == status
    data = response.get_json()
    validator = response_validator(spec, path, status)
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
              for e in validator.iter_errors(data)]
    assert not errors, errors
    # No field the description leaves out.
    name = spec["paths"][path]["get"]["responses"][str(status)]["content"][
        "application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    schema = spec["components"]["schemas"][name]
    assert set(data) == set(schema["properties"])
    if name == "Error":
        assert set(data["error"]) <= set(schema["properties"]["error"]["properties"])
    for hit in data.get("hits", []):
        assert set(hit) <= set(spec["components"]["schemas"]["Hit"]["properties"])


def test_the_openapi_check_catches_a_wrong_response(client):
    spec = client.get("/api/openapi.json").get_json()
    good = client.get("/api/search?q=autonome+wapens&explain=1").get_json()
    validator = response_validator(spec, "/api/search", 200)
    hit = good["hits"][0]
    wrong = [{**good, "total": str(good["total"])},
             {**good, "hits": [{**hit, "date": "13 mei 2019"}]},
             {**good, "hits": [{**hit, "explanation": [{**hit["explanation"][0],
                                                         "kind": "gok"}]}]},
             {key: value for key, value in good.items() if key != "facets"}]
    for data in wrong:
        assert not validator.is_valid(data)


# --- every response --------------------------------------------------------------

@pytest.mark.parametrize("url", [
    "/", "/?q=drones", "/?page=abc", "/help", "/kst-33694-45", "/kst-00000-0",
    "/static/style.css", "/api/search?q=drones", "/api/search?page=abc", "/api/facets",
    "/api/letters/kst-33694-45", "/api/letters/nope", "/api/openapi.json", "/api/nope",
    "/feed.atom?q=drones", "/feed.atom?page=abc", "/opensearch.xml", "/widget.js",
    "/embed-demo", "/static/widget.css",
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
        assert " style=" not in html and "<style" not in html
        # Scripts only from files: <script src=...></script>, never inline.
        scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, re.S | re.I)
        assert html.lower().count("<script") == len(scripts)
        assert all("src=" in attrs and not body.strip() for attrs, body in scripts)


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


def test_cors_preflight_and_vary(client):
    preflight = client.options("/api/search?q=drones", headers={
        "Origin": "https://example.org", "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "accept"})
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://example.org"
    assert "GET" in preflight.headers["Access-Control-Allow-Methods"]
    assert "accept" in preflight.headers["Access-Control-Allow-Headers"].lower()
    refused = client.options("/api/search", headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "GET"})
    assert "Access-Control-Allow-Origin" not in refused.headers
    # Cached answers differ per origin, whether or not one was sent.
    assert "Origin" in client.get("/api/search?q=drones").headers.get("Vary", "")


def test_cors_origins_from_the_environment(index_dir, monkeypatch):
    monkeypatch.setenv("KAMERZOEK_CORS_ORIGINS", "https://intranet.example, https://wiki.example/")
    app = create_app({"KAMERZOEK_INDEX": str(index_dir)})
    assert app.config["CORS_ORIGINS"] == ["https://intranet.example", "https://wiki.example"]
    response = app.test_client().get("/api/facets", headers={"Origin": "https://wiki.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "https://wiki.example"


# --- related letters, suggestions ------------------------------------------------

def test_letter_page_lists_related_letters(client):
    html = page(client, "/kst-33694-45")
    assert "Verwante brieven" in html and "Aangehaald door" in html
    related = html[html.index("Verwante brieven"):html.index("</aside>")]
    hrefs = [href for href, _, _ in Links(related).links]
    assert 1 <= len(hrefs) <= 5
    assert "/kst-33694-45" not in hrefs
    for href in hrefs:
        page(client, href)


@pytest.fixture()
def corrected(app, monkeypatch):
    """The searcher as it will answer once spelling correction and synonyms
    exist: a suggestion and expansions on every response."""
    with app.app_context():
        searcher = get_searcher()
    original = searcher.search

    def search(request):
        response = original(request)
        response.suggestion = "autonome wapens"
        response.expansions = ["wapen", "bewapening"]
        return response
    monkeypatch.setattr(searcher, "search", search)
    return searcher


def test_suggestion_and_expansions_are_shown(client, corrected):
    html = page(client, "/?q=autonoome+wapens&year=2019")
    assert "Ook gezocht op:" in html and "bewapening" in html
    links = [(href, text) for href, _, text in Links(html).links if text == "autonome wapens"]
    assert links and set(args_of(links[0][0])) == {("q", "autonome wapens"), ("year", "2019")}


def test_no_results_page_offers_the_suggestion(client, corrected):
    html = page(client, "/?q=xqzwv&year=1850")
    assert "Geen documenten gevonden" in html and "Bedoelde u:" in html
    assert any(text == "autonome wapens" for _, _, text in Links(html).links)
    assert any(text == "Zoek zonder filters" for _, _, text in Links(html).links)


def test_no_suggestion_no_line(client):
    html = page(client, "/?q=autonome+wapens")
    assert "Bedoelde u" not in html and "Ook gezocht op" not in html


# --- OpenSearch and Atom ---------------------------------------------------------

ATOM = "{http://www.w3.org/2005/Atom}"
OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"
HOST = "https://kamerzoek.example"


def test_opensearch_description_has_absolute_urls_from_the_host(client):
    response = client.get("/opensearch.xml", base_url=HOST)
    assert response.mimetype == "application/opensearchdescription+xml"
    root = ElementTree.fromstring(response.data)
    assert root.tag == OPENSEARCH + "OpenSearchDescription"
    short_name = root.find(OPENSEARCH + "ShortName").text
    assert short_name == "Kamerzoek" and len(short_name) <= 16
    assert "Kamerbrieven" in root.find(OPENSEARCH + "Description").text
    templates = {url.get("type"): url.get("template") for url in root.iter(OPENSEARCH + "Url")}
    assert templates["text/html"] == HOST + "/?q={searchTerms}"
    assert templates["application/atom+xml"] == HOST + "/feed.atom?q={searchTerms}"
    assert templates["application/opensearchdescription+xml"] == HOST + "/opensearch.xml"


FORWARDED = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "kamerzoek.example",
             "X-Forwarded-Prefix": "/zoek", "X-Forwarded-For": "192.0.2.7"}


@pytest.mark.parametrize("url", ["/opensearch.xml", "/feed.atom?q=drones", "/embed-demo"])
def test_behind_a_proxy_absolute_urls_use_the_forwarded_address(index_dir, monkeypatch, url):
    monkeypatch.delenv("KAMERZOEK_PROXY_FIX", raising=False)
    plain = create_app({"KAMERZOEK_INDEX": str(index_dir), "CORS_ORIGINS": []}).test_client()
    body = plain.get(url, headers=FORWARDED).get_data(as_text=True)
    # Off by default: the headers are anybody's to send.
    assert "http://localhost/" in body and "kamerzoek.example" not in body

    monkeypatch.setenv("KAMERZOEK_PROXY_FIX", "1")
    proxied = create_app({"KAMERZOEK_INDEX": str(index_dir), "CORS_ORIGINS": []}).test_client()
    body = proxied.get(url, headers=FORWARDED).get_data(as_text=True)
    assert "https://kamerzoek.example/zoek/" in body and "localhost" not in body


def test_proxy_fix_from_the_app_config_and_a_bad_value_named(index_dir, monkeypatch):
    monkeypatch.delenv("KAMERZOEK_PROXY_FIX", raising=False)
    app = create_app({"KAMERZOEK_INDEX": str(index_dir), "CORS_ORIGINS": [],
                      "KAMERZOEK_PROXY_FIX": 1})
    body = app.test_client().get("/opensearch.xml", headers=FORWARDED).get_data(as_text=True)
    assert 'template="https://kamerzoek.example/zoek/?q={searchTerms}"' in body
    with pytest.raises(config.ConfigError, match="KAMERZOEK_PROXY_FIX"):
        create_app({"KAMERZOEK_INDEX": str(index_dir), "KAMERZOEK_PROXY_FIX": "ja"})


@pytest.mark.parametrize("url", ["/", "/?q=drones", "/help", "/kst-33694-45", "/embed-demo",
                                 "/kst-00000-0"])
def test_every_page_links_the_opensearch_description(client, url):
    html = client.get(url, base_url=HOST).get_data(as_text=True)
    assert ('<link rel="search" type="application/opensearchdescription+xml" '
            f'href="{HOST}/opensearch.xml" title="Kamerzoek">') in html


def feed_of(client, url: str):
    response = client.get(url, base_url=HOST)
    assert response.status_code == 200, url
    assert response.mimetype == "application/atom+xml"
    return ElementTree.fromstring(response.data)


def test_feed_lists_the_search_newest_first(client):
    feed = feed_of(client, "/feed.atom?q=drones&year=2024&year=2025&sort=relevance&page=3")
    assert feed.tag == ATOM + "feed"
    assert feed.find(ATOM + "title").text == "kamerzoek: drones (Jaar: 2024, 2025)"
    assert feed.find(ATOM + "id").text == HOST + "/feed.atom?q=drones&year=2024&year=2025"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", feed.find(ATOM + "updated").text)
    assert feed.find(ATOM + "author/" + ATOM + "name").text == "Kamerzoek"
    links = {link.get("rel"): link.get("href") for link in feed.findall(ATOM + "link")}
    assert links["self"].startswith(HOST + "/feed.atom?")
    assert links["alternate"].startswith(HOST + "/?q=drones&year=2024")

    expected = client.get("/api/search?q=drones&year=2024&year=2025&sort=date&per_page=20"
                          ).get_json()["hits"]
    entries = feed.findall(ATOM + "entry")
    assert [e.find(ATOM + "id").text for e in entries] == [HOST + "/" + h["id"] for h in expected]
    updated = [e.find(ATOM + "updated").text for e in entries]
    assert updated == sorted(updated, reverse=True)
    assert feed.find(ATOM + "updated").text == updated[0]
    for entry, hit in zip(entries, expected):
        assert entry.find(ATOM + "title").text == hit["title"]
        assert entry.find(ATOM + "updated").text == hit["date"] + "T00:00:00Z"
        assert entry.find(ATOM + "link").get("href") == f"{HOST}/{hit['id']}?q=drones"
        summary = entry.find(ATOM + "summary")
        assert summary.get("type") == "text" and "<mark>" not in summary.text
        assert "drone" in summary.text.lower()
        author = entry.find(ATOM + "author/" + ATOM + "name")
        assert (author.text if author is not None else None) == hit["sender"]


def test_feed_escapes_the_query_and_survives_control_characters(client):
    query = '<script>&"x\x0c'
    feed = feed_of(client, "/feed.atom?" + urlencode({"q": query}))
    assert feed.find(ATOM + "title").text == 'kamerzoek: <script>&"x'
    from web.atom import Entry, Feed, atom
    body = atom(Feed(id="tag:x", title="a\x0cb", updated="2020-01-01T00:00:00Z", self_link="s",
                     alternate_link="a", author="k",
                     entries=[Entry("i", "t\x00", "2020-01-01T00:00:00Z", "l", "x\x1by")]))
    parsed = ElementTree.fromstring(body)
    assert parsed.find(ATOM + "title").text == "ab"
    assert parsed.find(ATOM + "entry/" + ATOM + "summary").text == "xy"


def test_feed_gives_undated_letters_a_stable_date(client, index_dir):
    first = feed_of(client, "/feed.atom?q=koopmans+massavernietigingswapens")
    undated = [e for e in first.findall(ATOM + "entry")
               if e.find(ATOM + "id").text.endswith("/brief-opvolging-motie-koopmans-252f4e")]
    assert undated
    created = json.loads((index_dir / "kamerzoek.json").read_text())["created"]
    assert undated[0].find(ATOM + "updated").text == created[:19] + "Z"
    again = feed_of(client, "/feed.atom?q=koopmans+massavernietigingswapens")
    assert ElementTree.tostring(again) == ElementTree.tostring(first)


def test_search_page_links_its_feed(client):
    html = page(client, "/?q=drones&year=2025&page=2&sort=date")
    head = html[:html.index("</head>")]
    assert ('<link rel="alternate" type="application/atom+xml" '
            'href="/feed.atom?q=drones&amp;year=2025"') in head
    visible = [href for href, _, text in Links(html).links
               if text == "Volg deze zoekopdracht (Atom)"]
    assert visible == ["/feed.atom?q=drones&year=2025"]
    assert "Volg deze zoekopdracht" in page(client, "/?q=xqzwv")  # alerts for the future


def test_feed_rejects_bad_parameters_like_the_page(client):
    response = client.get("/feed.atom?year=twenty")
    assert response.status_code == 400


# --- the embeddable zoekbox ------------------------------------------------------

def test_widget_script_is_plain_javascript_from_this_host(client):
    response = client.get("/widget.js")
    script = response.get_data(as_text=True)
    response.close()
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    assert "max-age" in response.headers["Cache-Control"]
    assert not re.search(r"https?://", script.split("*/", 1)[1])  # no other hosts
    assert "innerHTML" not in script and "insertAdjacentHTML" not in script
    assert "api/search" in script and "attachShadow" in script
    with client.get("/static/widget.css") as css:
        assert css.mimetype == "text/css"


def test_embed_demo_shows_the_widget_and_the_tag_to_copy(client):
    html = client.get("/embed-demo", base_url=HOST).get_data(as_text=True)
    assert f'<script src="{HOST}/widget.js" data-per-page="4"' in html
    assert f"&lt;script src=&#34;{HOST}/widget.js&#34;" in html  # the tag to copy, as text
    assert "CORS_ORIGINS" in html and "connect-src" in html
    assert "data-topic" in html and "data-per-page" in html


def test_explain_in_the_api_and_the_page(client):
    data = client.get("/api/search?q=autonome+wapens&explain=1&per_page=3").get_json()
    first = data["hits"][0]["explanation"]
    assert first and {"field", "term", "kind", "score"} <= set(first[0])
    assert "explanation" not in client.get("/api/search?q=autonome+wapens").get_json()["hits"][0]
    bad = client.get("/api/search?q=x&explain=misschien")
    assert bad.status_code == 400 and bad.get_json()["error"]["parameter"] == "explain"
    page = client.get("/?q=autonome+wapens").get_data(as_text=True)
    assert "explain=1" in page and ">Waarom?<" in page
    explained = client.get("/?q=autonome+wapens&explain=1").get_data(as_text=True)
    assert "Waarom dit resultaat?" in explained and "<td>autonome</td>" in explained
    # Contributions with a Dutch decimal comma.
    contributions = re.findall(r'<td class="num">([^<]*)</td>', explained)
    assert contributions and all(re.fullmatch(r"\d+,\d", c) for c in contributions)


def test_refine_link_leads_from_the_top_of_the_results_to_the_facets(client):
    html = page(client, "/?q=drones")
    link = html.index('href="#verfijnen"')
    assert link < html.index('class="hits"') < html.index('id="verfijnen"')
    assert html[link:html.index("</a>", link)].count("Verfijnen") == 1
    # No facets, no link.
    assert 'href="#verfijnen"' not in page(client, "/?q=xyzzyplugh")


# --- accessibility ----------------------------------------------------------------

class Outline(HTMLParser):
    """Heading levels in page order, and the search forms with their
    `q` inputs as (form attributes, input attributes, label text)."""

    def __init__(self, html: str):
        super().__init__()
        self.levels, self.forms, self.labels = [], [], {}
        self._form, self._label = None, None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if re.fullmatch(r"h[1-6]", tag):
            self.levels.append(int(tag[1]))
        elif tag == "form":
            self._form = attrs
        elif tag == "input" and self._form is not None and attrs.get("name") == "q":
            self.forms.append((self._form, attrs))
        elif tag == "label":
            self._label = [attrs.get("for"), ""]

    def handle_data(self, data):
        if self._label is not None:
            self._label[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "label" and self._label is not None:
            self.labels[self._label[0]] = self._label[1].strip()
            self._label = None


@pytest.mark.parametrize("url", ["/?q=drones", "/?q=drones&explain=1", "/?q=xyzzyplugh",
                                 "/", "/kst-33694-45", "/help"])
def test_headings_never_skip_a_level(client, url):
    levels = Outline(page(client, url)).levels
    assert levels[0] == 1 and levels.count(1) == 1
    for previous, level in zip(levels, levels[1:]):
        assert level <= previous + 1, (url, levels)


def test_each_why_link_names_its_letter(client):
    data = client.get("/api/search?q=drones").get_json()
    why = [attributes.get("aria-label") for href, attributes, text in
           Links(page(client, "/?q=drones")).links if text == "Waarom?"]
    assert why == [f"Waarom gevonden: {hit['title'] or hit['id']}" for hit in data["hits"]]
    assert len(why) == 10


@pytest.mark.parametrize("url, value", [("/kst-33694-45", ""),
                                        ("/kst-33694-45?q=autonome+wapens", "autonome wapens"),
                                        ("/help", ""), ("/embed-demo", ""),
                                        ("/kst-0-0", "")])
def test_every_page_has_a_search_box(client, url, value):
    response = client.get(url)
    outline = Outline(response.get_data(as_text=True))
    [(form, field)] = outline.forms
    assert form["action"] == "/" and form["method"] == "get" and form["role"] == "search"
    assert field["value"] == value and field["type"] == "search"
    assert outline.labels[field["id"]] == "Zoek in Kamerbrieven en Kamerstukken"


def test_the_search_page_has_one_search_box(client):
    [(form, field)] = Outline(page(client, "/?q=drones")).forms
    assert field["id"] == "q" and field["value"] == "drones"


def test_search_time_never_reads_zero():
    from web.present import seconds
    assert seconds(0.4) == "< 0,01 s" and seconds(4.9) == "< 0,01 s"
    assert seconds(7) == "0,01 s" and seconds(1234) == "1,23 s"
