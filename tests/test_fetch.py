"""`kamerzoek fetch` against a local stand-in for KOOP's SRU service.

The server listens on 127.0.0.1 only and serves the real sample responses of
the corpus (koop-samples/) and variants made from them here: two pages, URLs
pointing back to this server, error pages, a slow answer, a diagnostic.
"""
from __future__ import annotations

import re
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from click.testing import CliRunner

from cli import main
from corpus.fetch import FetchSettings, HttpClient
from corpus.sru import Selection, SelectionError, build_query, parse_record, parse_response

MOCK_PREFIX = "http://__MOCK_SERVICE__/repository.overheid.nl/"
REAL_PREFIX = "https://repository.overheid.nl/"


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict = field(default_factory=dict)
    delay: float = 0.0


class FakeKoop:
    """SRU pages by startRecord, static files, and faults to play first."""

    def __init__(self, corpus: Path):
        self.corpus = corpus
        self.pages: dict[int, bytes] = {}
        self.faults: dict[str, list[Reply]] = defaultdict(list)
        self.requests: list[tuple[str, dict, dict]] = []   # (path, query, headers)
        self.base = ""

    def reply(self, path: str, query: dict) -> Reply:
        if self.faults[path]:
            return self.faults[path].pop(0)
        if path == "/sru":
            page = self.pages.get(int(query.get("startRecord", ["1"])[0]))
            return Reply(body=page) if page else Reply(404, b"not found")
        roots = {"/frbr/": self.corpus / "koop-samples" / "repository" / "frbr",
                 "/kst-xml/": self.corpus / "kst-xml"}
        for prefix, root in roots.items():
            if path.startswith(prefix):
                target = (root / path[len(prefix):]).resolve()
                if target.is_relative_to(root.resolve()) and target.is_file():
                    return Reply(body=target.read_bytes())
        return Reply(404, b"not found")


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        koop: FakeKoop = self.server.koop
        parsed = urlparse(self.path)
        query = parse_qs(parsed.query)
        koop.requests.append((parsed.path, query, dict(self.headers)))
        reply = koop.reply(parsed.path, query)
        time.sleep(reply.delay)
        try:
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting, as it should

    def log_message(self, *args):
        pass


@pytest.fixture
def koop(corpus):
    fake = FakeKoop(corpus)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.koop = fake
    fake.base = f"http://127.0.0.1:{server.server_address[1]}/"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield fake
    server.shutdown()
    server.server_close()
    thread.join()


pytestmark = pytest.mark.usefixtures("clean_config_env")


def sample(corpus: Path, name: str) -> str:
    return (corpus / "koop-samples" / name).read_text(encoding="utf-8")


def corpus_letter(corpus: Path) -> tuple[str, str]:
    """A KOOP XML of the corpus with embedded metadata: (file name, its id)."""
    for path in sorted((corpus / "kst-xml").glob("*.xml")):
        match = re.search(r'name="DC.identifier"[^>]*content="(kst-[^"]+)"', path.read_text(
            encoding="utf-8"))
        if match:
            return path.name, match.group(1)
    raise AssertionError("no KOOP XML with embedded metadata in the corpus")


def two_pages(koop: FakeKoop) -> str:
    """Page 1: the repository sample (5 records); page 2: the OWMS sample
    record, turned into a corpus letter served by XML only."""
    first = sample(koop.corpus, "repository/sru.xml").replace(MOCK_PREFIX, koop.base)
    first = first.replace("<sru:numberOfRecords>3<", "<sru:numberOfRecords>6<")
    first = first.replace("</sru:records>",
                          "</sru:records>\n    <sru:nextRecordPosition>6</sru:nextRecordPosition>")
    name, letter_id = corpus_letter(koop.corpus)
    second = sample(koop.corpus, "owms/sru_record_kst.xml")
    second = re.sub(r'\s*<gzd:itemUrl manifestation="metadata[a-z]*">[^<]*</gzd:itemUrl>', "",
                    second)
    second = re.sub(r'(<gzd:itemUrl manifestation="xml">)[^<]*', rf"\g<1>{koop.base}kst-xml/{name}",
                    second)
    second = second.replace("kst-35842-4", letter_id).replace(REAL_PREFIX, koop.base)
    second = second.replace("<sru:numberOfRecords>1<", "<sru:numberOfRecords>6<")
    koop.pages = {1: first.encode(), 6: second.encode()}
    return letter_id


def diagnostic_page(koop: FakeKoop) -> bytes:
    text = sample(koop.corpus, "repository/sru.xml")
    text = re.sub(r"<sru:records>.*</sru:records>", (
        "<sru:diagnostics><diag:diagnostic><diag:uri>info:srw/diagnostic/1/10</diag:uri>"
        "<diag:details>w.dossiernummer==</diag:details><diag:message>Query syntax error"
        "</diag:message></diag:diagnostic></sru:diagnostics>"), text, flags=re.S)
    return text.replace("<sru:numberOfRecords>3<", "<sru:numberOfRecords>0<").encode()


def write_config(tmp_path: Path, koop: FakeKoop, **extra) -> Path:
    """Every type by default: the stand-in answers every query with the same
    sample records (moties, an Aanhangsel), not only the type asked for."""
    fetch = {"base_url": f"{koop.base}sru", "rate": 1000.0, "timeout": 0.4, "retries": 2,
             "backoff": 0.01, "contact": "test@example.org", "out": "opgehaald",
             "types": ["alle"], **extra}
    lines = ['index = "ix"', "[fetch]"] + [f"{k} = {_toml(v)}" for k, v in fetch.items()]
    path = tmp_path / "kamerzoek.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _toml(value) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return f'"{value}"' if isinstance(value, str) else repr(value)


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def sru_calls(koop: FakeKoop) -> list[dict]:
    return [query for path, query, _ in koop.requests if path == "/sru"]


def test_fetch_pages_index_and_search(koop, tmp_path):
    letter_id = two_pages(koop)
    write_config(tmp_path, koop)
    result = run("fetch", "--dossier", "32545", "--index")
    assert result.exit_code == 0, result.output
    assert "4 opgehaald, 0 al aanwezig, 2 zonder XML, 0 mislukt" in result.output
    assert "De index bevat" in result.output

    out = tmp_path / "opgehaald"
    assert (out / "kst-32545-143" / "xml" / "kst-32545-143.xml").is_file()
    assert (out / "kst-32545-143" / "metadata" / "metadata.xml").is_file()
    assert (out / letter_id / "xml" / f"{letter_id}.xml").is_file()
    assert not list(out.rglob("*.part"))
    starts = [q["startRecord"] for q in sru_calls(koop)]
    assert starts == [["1"], ["6"]]
    cql = sru_calls(koop)[0]["query"][0]
    assert 'w.dossiernummer=="32545"' in cql and 'dt.type=="Kamerstuk"' in cql
    assert "subrubriek" not in cql
    agent = koop.requests[0][2]["User-Agent"]
    assert re.fullmatch(r"kamerzoek/\S+ \(\+test@example\.org\)", agent)

    from search import SearchRequest, Searcher
    with Searcher(tmp_path / "ix") as searcher:
        hits = searcher.search(SearchRequest(query="grensspaarsaldo")).hits
        assert [h.id for h in hits] == ["kst-32545-143"]
        letter = searcher.get("kst-32545-143")
        # Dossier and topics come from the metadata.xml fetched beside the XML.
        assert letter.dossier == "32545" and "Financiën" in letter.topics
        assert searcher.get(letter_id).format == "koop-xml"


def test_second_run_skips_what_is_on_disk(koop, tmp_path):
    two_pages(koop)
    write_config(tmp_path, koop)
    assert run("fetch", "--dossier", "32545").exit_code == 0
    koop.requests.clear()
    result = run("fetch", "--dossier", "32545")
    assert result.exit_code == 0, result.output
    assert "0 opgehaald, 4 al aanwezig" in result.output
    assert {path for path, _, _ in koop.requests} == {"/sru"}


def test_retries_server_error_and_timeout(koop, tmp_path):
    two_pages(koop)
    write_config(tmp_path, koop)
    koop.faults["/sru"].append(Reply(500, b"storing"))
    xml = "/frbr/officielepublicaties/kst/32545/kst-32545-143/1/xml/kst-32545-143.xml"
    koop.faults[xml].append(Reply(200, b"<te-laat/>", delay=1.0))
    result = run("fetch", "--dossier", "32545")
    assert result.exit_code == 0, result.output
    assert "4 opgehaald" in result.output and "0 mislukt" in result.output
    assert len(sru_calls(koop)) == 3   # 500, page 1, page 2
    stored = tmp_path / "opgehaald" / "kst-32545-143" / "xml" / "kst-32545-143.xml"
    assert stored.read_bytes().startswith(b"<?xml")   # never the late answer


def test_retry_after_is_honoured(koop):
    koop.faults["/x"] = [Reply(503, b"druk", {"Retry-After": "7"})]
    koop.faults["/x"].append(Reply(200, b"gelukt"))
    sleeps = []
    client = HttpClient(FetchSettings(rate=1000, backoff=0.01, timeout=2), sleep=sleeps.append)
    assert client.get(koop.base + "x") == b"gelukt"
    assert 7.0 in sleeps


def test_network_failure_half_way_keeps_what_was_fetched(koop, tmp_path):
    two_pages(koop)
    write_config(tmp_path, koop)
    koop.faults["/sru"] = [koop.reply("/sru", {})] + [Reply(502, b"weg")] * 3
    result = run("fetch", "--dossier", "32545")
    assert result.exit_code == 1
    assert "3 opgehaald" in result.output and "Ophalen gestopt" in result.output
    assert "HTTP-fout 502" in result.output and "Traceback" not in result.output
    assert (tmp_path / "opgehaald" / "kst-32545-143" / "xml" / "kst-32545-143.xml").is_file()

    result = run("fetch", "--dossier", "32545")
    assert result.exit_code == 0, result.output
    assert "1 opgehaald, 3 al aanwezig" in result.output


def test_failed_document_is_named_and_the_rest_kept(koop, tmp_path):
    two_pages(koop)
    write_config(tmp_path, koop)
    xml = "/frbr/officielepublicaties/ah-tk/20202021/ah-tk-20202021-3235/1/xml/ah-tk-20202021-3235.xml"
    koop.faults[xml] = [Reply(404, b"weg")]
    result = run("fetch", "--dossier", "32545")
    assert result.exit_code == 1
    assert "mislukt: ah-tk-20202021-3235: HTTP-fout 404" in result.output
    assert "3 opgehaald" in result.output and "1 mislukt" in result.output
    assert not (tmp_path / "opgehaald" / "ah-tk-20202021-3235" / "xml").exists()


@pytest.mark.parametrize("status", [200, 400])
def test_sru_diagnostic_is_a_dutch_message(koop, tmp_path, status):
    koop.faults["/sru"] = [Reply(status, diagnostic_page(koop))]
    write_config(tmp_path, koop)
    result = run("fetch", "--dossier", "32545", "--index")
    assert result.exit_code == 1
    assert "De zoekdienst (SRU) meldt: de zoekvraag (CQL) is ongeldig" in result.output
    assert "Query syntax error" in result.output and "Traceback" not in result.output
    assert "Opnieuw starten" not in result.output   # a bad query stays bad


@pytest.mark.parametrize("args, named", [
    (["--dossier", "abc"], "--dossier"),
    (["--vergaderjaar", "2019"], "--vergaderjaar"),
    (["--from", "2019-13-01"], "--from"),
    (["--from", "2020-01-01", "--to", "2019-01-01"], "--from"),
    ([], "--dossier, --vergaderjaar, --from of --to"),
])
def test_bad_arguments_name_the_parameter(args, named):
    result = run("fetch", *args)
    assert result.exit_code == 2
    assert named in result.output and "Traceback" not in result.output


def test_query_for_every_option():
    selection = Selection.from_options(dossiers=["33 694", "21501-20"], vergaderjaar="2018-19",
                                       date_from="2019-01-01", date_to="2019-12-31",
                                       types=["Motie"])
    assert build_query(selection) == (
        'c.product-area=="officielepublicaties" AND dt.type=="Kamerstuk" AND '
        '(w.dossiernummer=="33694" OR w.dossiernummer=="21501-20") AND '
        'w.vergaderjaar=="2018-2019" AND dt.date>="2019-01-01" AND dt.date<="2019-12-31" AND '
        'w.subrubriek=="Motie"')
    assert "subrubriek" not in build_query(Selection.from_options(dossiers=["1"], types=["alle"]))
    with pytest.raises(SelectionError, match="--to"):
        Selection.from_options(date_to="morgen")


def test_real_samples_parse(corpus):
    page = parse_response((corpus / "koop-samples/owms/sru.xml").read_bytes())
    assert page.total == 76 and page.next_position == 11 and len(page.records) == 10
    letter = next(r for r in page.records if r.identifier == "kst-22112-3185")
    assert letter.doc_type == "Brief"
    assert letter.xml_url.endswith("/kst/22112/kst-22112-3185/1/xml/kst-22112-3185.xml")
    assert letter.metadata_url.endswith("/kst-22112-3185/1/metadata/metadata.xml")
    assert next(r for r in page.records if r.identifier == "blg-998035").xml_url is None
    # A bare record without namespaces (as other tools store them) reads the same.
    import xml.etree.ElementTree as ET
    bare = parse_record(ET.fromstring((corpus / "koop-samples/wetsuite/searchrec.xml").read_bytes()))
    assert bare.identifier == "gmb-2023-174296" and bare.xml_url.endswith("gmb-2023-174296.xml")


ERROR_PAGE = (b"<!DOCTYPE html>\n<html lang=\"nl\"><head><title>Storing</title></head>"
              b"<body><p>Deze dienst is tijdelijk niet beschikbaar.</p></body></html>\n")
LETTER_XML = "/frbr/officielepublicaties/kst/32545/kst-32545-143/1/xml/kst-32545-143.xml"


def test_html_page_served_with_200_is_retried_not_saved(koop, tmp_path):
    two_pages(koop)
    write_config(tmp_path, koop)
    koop.faults[LETTER_XML] = [Reply(200, ERROR_PAGE)]
    result = run("fetch", "--dossier", "32545")
    assert result.exit_code == 0, result.output
    assert "4 opgehaald" in result.output and "0 mislukt" in result.output
    stored = tmp_path / "opgehaald" / "kst-32545-143" / "xml" / "kst-32545-143.xml"
    assert stored.read_bytes() == (koop.corpus / "koop-samples" / "repository"
                                   / LETTER_XML.lstrip("/")).read_bytes()


@pytest.mark.parametrize("body, reason", [
    (ERROR_PAGE, "een HTML-pagina in plaats van XML"),
    (b"Service Unavailable", "geen XML"),
    (b'<?xml version="1.0"?>\n<officiele-publicatie><metadata>',
     "geen geldige of geen volledige XML (regel 2, kolom 32)"),
])
def test_body_that_stays_no_xml_fails_the_letter_and_is_never_written(koop, tmp_path, body,
                                                                      reason):
    two_pages(koop)
    write_config(tmp_path, koop)   # retries = 2: three tries
    koop.faults[LETTER_XML] = [Reply(200, body)] * 3
    result = run("fetch", "--dossier", "32545")
    assert result.exit_code == 1
    assert f"mislukt: kst-32545-143: {reason} bij " in result.output
    assert "(na 3 pogingen)" in result.output and "1 mislukt" in result.output
    assert not (tmp_path / "opgehaald" / "kst-32545-143" / "xml").exists()
    # Three tries for kst-32545-143; then kst-32545-144, whose record in the
    # sample points at the same file (and gets the good answer).
    assert [path for path, _, _ in koop.requests].count(LETTER_XML) == 4

    result = run("fetch", "--dossier", "32545")   # the service is well again
    assert result.exit_code == 0, result.output
    assert "1 opgehaald, 3 al aanwezig" in result.output


def test_saved_error_page_is_not_taken_for_a_letter_on_resume(koop, tmp_path):
    """A file an older version saved from an HTML error page is fetched again."""
    two_pages(koop)
    write_config(tmp_path, koop)
    assert run("fetch", "--dossier", "32545").exit_code == 0
    stored = tmp_path / "opgehaald" / "kst-32545-143" / "xml" / "kst-32545-143.xml"
    good = stored.read_bytes()
    stored.write_bytes(ERROR_PAGE)
    koop.requests.clear()
    result = run("fetch", "--dossier", "32545")
    assert result.exit_code == 0, result.output
    assert "1 opgehaald, 3 al aanwezig" in result.output
    assert stored.read_bytes() == good
    assert [path for path, _, _ in koop.requests if path != "/sru"] == [LETTER_XML]


def test_search_page_in_html_is_retried_then_stops_resumably(koop, tmp_path):
    two_pages(koop)
    write_config(tmp_path, koop)
    koop.faults["/sru"] = [Reply(200, ERROR_PAGE)]
    assert run("fetch", "--dossier", "32545").exit_code == 0   # the second try is good
    koop.faults["/sru"] = [Reply(200, ERROR_PAGE)] * 3
    result = run("fetch", "--dossier", "32545")
    assert result.exit_code == 1
    assert "Zoekdienst niet bereikbaar: een HTML-pagina in plaats van XML" in result.output
    assert "Opnieuw starten gaat verder waar het bleef" in result.output


def many_letters(koop: FakeKoop, count: int) -> list[str]:
    """One search page of ``count`` letters made from the OWMS sample record,
    each with its own metadata and XML address on this server."""
    text = sample(koop.corpus, "owms/sru_record_kst.xml").replace(REAL_PREFIX, koop.base)
    record = re.search(r"\s*<sru:record>.*</sru:record>", text, flags=re.S).group(0)
    ids = [f"kst-35842-{n}" for n in range(1, count + 1)]
    records = "".join(record.replace("kst-35842-4", letter_id) for letter_id in ids)
    text = text.replace(record, records)
    text = text.replace("<sru:numberOfRecords>1<", f"<sru:numberOfRecords>{count}<")
    koop.pages = {1: text.encode()}
    return ids


def test_dead_network_after_the_search_stops_after_a_few_letters(koop, tmp_path):
    from corpus import fetch as fetch_module

    ids = many_letters(koop, 12)
    write_config(tmp_path, koop)
    name, _ = corpus_letter(koop.corpus)
    good = (koop.corpus / "kst-xml" / name).read_bytes()
    for letter_id in ids[:2]:   # the first two arrive; then the network is gone
        folder = f"/frbr/officielepublicaties/kst/35842/{letter_id}/1/"
        koop.faults[folder + "metadata/metadata.xml"] = [Reply(200, good)]
        koop.faults[folder + f"xml/{letter_id}.xml"] = [Reply(200, good)]
    for letter_id in ids[2:]:
        folder = f"/frbr/officielepublicaties/kst/35842/{letter_id}/1/"
        koop.faults[folder + "metadata/metadata.xml"] = [Reply(503, b"weg")] * 3
    result = run("fetch", "--dossier", "35842", "--type", "alle")
    assert result.exit_code == 1
    assert "2 opgehaald" in result.output and f"{fetch_module.GIVE_UP_AFTER} mislukt" \
        in result.output
    assert (f"Ophalen gestopt: {fetch_module.GIVE_UP_AFTER} stukken na elkaar konden niet "
            "worden opgehaald (laatste reden: HTTP-fout 503") in result.output
    assert "Wat al was opgehaald (2 stukken) staat in" in result.output
    assert "gaat niet verloren. Opnieuw starten gaat verder waar het bleef." in result.output
    tried = {path.split("/")[5] for path, _, _ in koop.requests if path.startswith("/frbr/")}
    assert tried == set(ids[:2 + fetch_module.GIVE_UP_AFTER])   # the rest was not tried
    out = tmp_path / "opgehaald"
    assert sorted(p.name for p in out.iterdir()) == sorted(ids[:2])


def test_a_success_between_failures_starts_the_count_again(koop, tmp_path, monkeypatch):
    from corpus import fetch as fetch_module

    monkeypatch.setattr(fetch_module, "GIVE_UP_AFTER", 3)
    ids = many_letters(koop, 8)
    write_config(tmp_path, koop)
    name, _ = corpus_letter(koop.corpus)
    good = (koop.corpus / "kst-xml" / name).read_bytes()
    for letter_id in ids[2::3]:   # every third letter can be fetched
        folder = f"/frbr/officielepublicaties/kst/35842/{letter_id}/1/"
        koop.faults[folder + "metadata/metadata.xml"] = [Reply(200, good)]
        koop.faults[folder + f"xml/{letter_id}.xml"] = [Reply(200, good)]
    result = run("fetch", "--dossier", "35842", "--type", "alle")
    assert result.exit_code == 1
    assert "2 opgehaald, 0 al aanwezig, 0 zonder XML, 6 mislukt" in result.output
    assert "Ophalen gestopt" not in result.output


def test_default_type_is_government_letters_by_subrubriek_and_title(koop, tmp_path):
    """KOOP's subrubriek for a government letter is `Brief` (kst-22112-3185 in
    the OWMS sample); `Brief regering` is only in its title. The default asks
    the service for `Brief` and keeps the records whose title says
    `Brief regering`."""
    page = sample(koop.corpus, "owms/sru.xml").replace(REAL_PREFIX, koop.base)
    page = re.sub(r"\s*<sru:nextRecordPosition>\d+</sru:nextRecordPosition>", "", page)
    koop.pages = {1: page.encode()}
    name, _ = corpus_letter(koop.corpus)
    good = (koop.corpus / "kst-xml" / name).read_bytes()
    folder = "/frbr/officielepublicaties/kst/22112/kst-22112-3185/1/"
    koop.faults[folder + "metadata/metadata.xml"] = [Reply(200, good)]
    koop.faults[folder + "xml/kst-22112-3185.xml"] = [Reply(200, good)]
    write_config(tmp_path, koop, types=["Brief regering"])
    result = run("fetch", "--vergaderjaar", "2020-2021")
    assert result.exit_code == 0, result.output
    assert "1 opgehaald, 0 al aanwezig, 0 zonder XML, 0 mislukt, " \
           "9 van een andere soort overgeslagen" in result.output
    assert 'w.subrubriek=="Brief"' in sru_calls(koop)[0]["query"][0]
    fetched = {path.split("/")[5] for path, _, _ in koop.requests if path.startswith("/frbr/")}
    assert fetched == {"kst-22112-3185"}
    assert sorted(p.name for p in (tmp_path / "opgehaald").iterdir()) == ["kst-22112-3185"]


def test_title_label_types_are_checked_plain_types_are_trusted():
    from corpus.sru import Record

    def record(doc_type, title):
        return Record("kst-1-1", title, doc_type, "https://x/1.xml", None)

    letter = record("Brief", "Dossier; Brief regering; Fiche: iets")
    committee = record("Brief", "Dossier; Brief commissie; Lijst van vragen")
    motie = record("Motie", "Dossier; Motie; Motie van het lid X")
    government = Selection.from_options(dossiers=["1"], types=["Brief regering"])
    assert government.accepts(letter) and not government.accepts(committee)
    assert not government.accepts(motie)
    assert not government.accepts(record("Brief", "Brief regering over de begroting"))
    both = Selection.from_options(dossiers=["1"], types=["brief regering", "Motie"])
    assert both.accepts(motie) and both.accepts(letter) and not both.accepts(committee)
    assert build_query(both).endswith('(w.subrubriek=="Brief" OR w.subrubriek=="Motie")')
    every_letter = Selection.from_options(dossiers=["1"], types=["Brief"])
    assert every_letter.accepts(committee) and every_letter.accepts(motie)


def test_without_contact_the_user_agent_is_bare_and_a_hint_is_shown_once(koop, tmp_path):
    two_pages(koop)
    write_config(tmp_path, koop, contact="")
    result = run("fetch", "--dossier", "32545")
    assert result.exit_code == 0, result.output
    assert result.output.count("Tip: vul fetch.contact in") == 1
    assert re.fullmatch(r"kamerzoek/\S+", koop.requests[0][2]["User-Agent"])
    write_config(tmp_path, koop)
    assert "fetch.contact" not in run("fetch", "--dossier", "32545").output
