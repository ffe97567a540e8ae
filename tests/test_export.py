"""`kamerzoek export --format opensearch`: the analyzer mirrors ours, the bulk
files are valid for the bulk API, and every letter of a real index comes back."""
from __future__ import annotations

import json
import re
from dataclasses import fields
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from corpus.letter import Letter
from index.analysis import DUTCH_STOPWORDS, TOKEN_PATTERN, load_overrides
from index.export_opensearch import (DEFAULT_SYNONYMS, SEARCH_ANALYZER, ANALYZER,
                                     index_definition, override_rules, read_synonyms,
                                     synonym_rules)


pytestmark = pytest.mark.usefixtures("clean_config_env")


@pytest.fixture(scope="module")
def small_index(tmp_path_factory, corpus) -> Path:
    """The two letters of the corpus and a handful of KOOP XML Kamerstukken,
    one of them a motie of two members (kst-24515-807)."""
    from index.builder import build_index

    target = tmp_path_factory.mktemp("export") / "ix"
    files = sorted((corpus / "kst-xml").glob("*.xml"))[:12]
    files.append(corpus / "kst-xml" / "1192f9c0-1096-40d2-bf7b-6c0cd325b53c.xml")
    report = build_index([corpus / "letters", *files], target, procs=1)
    assert not report.failed and report.letters >= 12
    return target


def letters_of(index_dir: Path) -> dict[str, Letter]:
    from search import Searcher
    with Searcher(index_dir) as searcher:
        return {letter.id: letter for letter in searcher.letters()}


def read_bulk(files: list[Path]) -> list[tuple[dict, dict]]:
    """Check the bulk-API format and return (action, document) pairs."""
    pairs = []
    for path in files:
        data = path.read_bytes()
        assert data.endswith(b"\n"), f"{path.name}: the bulk API needs a final newline"
        lines = data.decode("utf-8").split("\n")[:-1]
        assert len(lines) % 2 == 0, f"{path.name}: action and document lines come in pairs"
        for action_line, doc_line in zip(lines[::2], lines[1::2]):
            action, document = json.loads(action_line), json.loads(doc_line)
            assert set(action) == {"index"} and set(action["index"]) == {"_index", "_id"}
            pairs.append((action["index"], document))
    return pairs


def test_export_round_trips_every_letter_in_small_files(small_index, tmp_path):
    out = tmp_path / "os"
    result = CliRunner().invoke(main, ["--index", str(small_index), "export", "--format",
                                       "opensearch", "--out", str(out), "--index-name",
                                       "brieven", "--max-mb", "0.02"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "_bulk" in result.output and "index.json" in result.output
    files = sorted(out.glob("bulk-*.ndjson"))
    assert len(files) > 1
    for path in files:   # split at 20 kB, unless one letter alone is larger
        assert path.stat().st_size <= 0.02 * 1024 * 1024 or len(read_bulk([path])) == 1

    pairs = read_bulk(files)
    letters = letters_of(small_index)
    assert [meta["_id"] for meta, _ in pairs] == [doc["id"] for _, doc in pairs]
    assert {meta["_index"] for meta, _ in pairs} == {"brieven"}
    assert {meta["_id"] for meta, _ in pairs} == set(letters)
    for _, document in pairs:
        letter = letters[document["id"]]
        assert Letter.from_dict(document) == letter
        # The sender facet's values, beside the sender as the file gives it.
        assert document["senders"] == list(letter.sender_names())
    co_signed = [doc for _, doc in pairs if "; " in (doc["sender"] or "")]
    assert co_signed and all(len(doc["senders"]) > 1 for doc in co_signed)
    assert not any(re.match(r"[A-Z]\.", name) for _, doc in pairs for name in doc["senders"])

    definition = json.loads((out / "index.json").read_text(encoding="utf-8"))
    properties = definition["mappings"]["properties"]
    assert set(properties) == {f.name for f in fields(Letter)} | {"senders"}
    assert properties["senders"] == {"type": "keyword"}
    assert definition["mappings"]["dynamic"] == "strict"


def test_jsonl_stays_the_default(small_index):
    result = CliRunner().invoke(main, ["--index", str(small_index), "export"])
    assert result.exit_code == 0
    assert len(result.output.splitlines()) == len(letters_of(small_index))


def test_opensearch_needs_an_out_folder(small_index):
    result = CliRunner().invoke(main, ["--index", str(small_index), "export", "--format",
                                       "opensearch"])
    assert result.exit_code == 2 and "--out" in result.output


def test_analyzer_carries_stopwords_overrides_and_synonyms(tmp_path):
    synonyms = tmp_path / "synoniemen.txt"
    synonyms.write_text("# comment line\n\nAI, kunstmatige intelligentie  # trailing\n"
                        "Financiën, FIN\nalleen\n", encoding="utf-8")
    groups = read_synonyms(synonyms)
    assert groups == [["ai", "kunstmatige intelligentie"], ["financien", "fin"]]

    analysis = index_definition(synonyms=groups)["settings"]["analysis"]
    filters = analysis["filter"]
    assert filters["kamerzoek_stop"]["stopwords"] == sorted(DUTCH_STOPWORDS)
    assert filters["kamerzoek_synonyms"] == {"type": "synonym_graph", "lenient": True,
                                             "synonyms": ["ai, kunstmatige intelligentie",
                                                          "financien, fin"]}
    assert filters["kamerzoek_snowball"] == {"type": "snowball", "language": "Dutch"}
    # A synonym filter, not stemmer_override: that one marks its output as a
    # keyword, so the Snowball filter after it would not stem the base.
    override = filters["kamerzoek_stem_override"]
    assert override["type"] == "synonym"
    assert "technologieen => technologie" in override["synonyms"]
    mapped = dict(rule.split(" => ") for rule in override["synonyms"])
    assert mapped == {word: base for word, base in load_overrides().items() if word != base}

    index_chain = analysis["analyzer"][ANALYZER]["filter"]
    search_chain = analysis["analyzer"][SEARCH_ANALYZER]["filter"]
    # Ours: fold, drop stop words, rewrite to the base, stem; synonyms are
    # matched on the result, so OpenSearch gets them last, where their rules
    # are analysed by everything before them.
    assert index_chain == ["lowercase", "asciifolding", "kamerzoek_stop",
                           "kamerzoek_stem_override", "kamerzoek_snowball"]
    assert search_chain == index_chain + ["kamerzoek_synonyms"]
    assert analysis["tokenizer"]["kamerzoek_tokens"]["pattern"] == TOKEN_PATTERN


def test_synonym_rules_are_written_as_opensearch_can_parse_them():
    """OpenSearch skips an earlier synonym filter (our overrides) when it
    parses synonym rules, and a stop word inside a term leaves a position gap
    it cannot parse: both are taken care of in the rules."""
    groups = [["ministerie van defensie", "defensie"], ["laws", "autonome wapensystemen"],
              ["de", "het"], ["i&w", "ienw", "infrastructuur en waterstaat"]]
    rules = synonym_rules(groups, {"autonome": "autonoom"})
    assert rules == ["ministerie defensie, defensie", "laws, autonoom wapensystemen",
                     "i w, ienw, infrastructuur waterstaat"]
    words = {w for rule in rules for term in rule.split(", ") for w in term.split()}
    assert not words & DUTCH_STOPWORDS


def test_rewritten_synonyms_mean_the_same_to_our_analyzer():
    """Taking out stop words and applying the overrides changes no term of
    the product's synonyms file as our own analysis sees it."""
    from search.synonyms import normalise

    groups = read_synonyms(DEFAULT_SYNONYMS)
    rules = synonym_rules(groups, load_overrides())
    assert len(rules) == len(groups)
    for group, rule in zip(groups, rules):
        assert {normalise(term) for term in group} == {normalise(t) for t in rule.split(", ")}


def test_override_rules_give_each_term_one_target():
    rules = override_rules({"grote": "groot", "groot": "grootte", "open": "open", "en": "of"})
    # One step, as ours: grote -> groot, and groot (itself a word) -> grootte;
    # a word that is its own base or a stop word changes nothing.
    assert rules == ["groot => grootte", "grote => groot"]


def test_product_synonyms_file_is_used_by_default(small_index, tmp_path):
    if not DEFAULT_SYNONYMS.is_file():
        pytest.skip("index/synonyms.txt does not exist (yet)")
    out = tmp_path / "os"
    CliRunner().invoke(main, ["--index", str(small_index), "export", "--format", "opensearch",
                              "--out", str(out)], catch_exceptions=False)
    definition = json.loads((out / "index.json").read_text(encoding="utf-8"))
    rules = definition["settings"]["analysis"]["filter"]["kamerzoek_synonyms"]["synonyms"]
    assert rules == synonym_rules(read_synonyms(DEFAULT_SYNONYMS), load_overrides()) and rules


def test_synonyms_file_from_the_configuration(small_index, tmp_path):
    (tmp_path / "syn.txt").write_text("stikstof, N\n", encoding="utf-8")
    (tmp_path / "kamerzoek.toml").write_text('[analysis]\nsynonyms = "syn.txt"\n',
                                             encoding="utf-8")
    out = tmp_path / "os"
    result = CliRunner().invoke(main, ["--index", str(small_index), "export", "--format",
                                       "opensearch", "--out", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    definition = json.loads((out / "index.json").read_text(encoding="utf-8"))
    filters = definition["settings"]["analysis"]["filter"]
    assert filters["kamerzoek_synonyms"]["synonyms"] == ["stikstof, n"]
