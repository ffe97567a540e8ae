"""Export for OpenSearch / Elasticsearch: an index definition whose analysis
mirrors ours, and the letters as bulk-API NDJSON files.

The analyzer, filter by filter (ours: `index.analysis.dutch_analyzer`):

* tokenizer: `pattern` with our TOKEN_PATTERN (group 0: the matches are the
  tokens; UNICODE_CHARACTER_CLASS so `\\w` covers é, ë as in Python);
* `lowercase`, then `asciifolding` (ours folds diacritics by Unicode
  decomposition; asciifolding also maps a few letters such as ß and ø);
* `stop` with exactly `DUTCH_STOPWORDS`;
* the stem overrides of `stem_overrides.txt` as a `synonym` filter with one
  ``word => base`` rule each. Ours rewrites the word to its base and then
  stems the base. `stemmer_override` cannot do that: it marks its output as a
  keyword, which the Snowball filter after it leaves alone. A `synonym` rule
  with one word on each side replaces the token in place (same position, no
  graph) without marking it, so Snowball stems the base as ours does. Rules
  are not applied to each other's output: one step, as ours;
* `snowball` Dutch. Lucene's Dutch Snowball is not byte-for-byte the Snowball
  3 stemmer we run (to a fixed point), so a few words stem differently; both
  sides of OpenSearch use the same analyzer, so matching stays consistent;
* search side only, last: `synonym_graph` with the groups of the synonyms
  file. Ours matches synonyms on stems, ignoring stop words; OpenSearch runs
  the rules through the filters before the synonym filter, so placed last its
  rules are stemmed like the query. Two things are done to the rules here
  because OpenSearch cannot: when it parses them, an earlier synonym filter
  (our stem overrides) is skipped, so the overrides are applied to the rule
  words in advance; and a stop word inside a multi-word term would leave a
  position gap that makes the term unparsable (dropped under `lenient`), so
  stop words are taken out of the rules (matching ignores the gap a stop
  word leaves in the query, as ours does).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Iterable

from corpus.letter import Letter

from .analysis import DUTCH_STOPWORDS, TOKEN_PATTERN, TOKEN_RE, fold, load_overrides

DEFAULT_SYNONYMS = Path(__file__).with_name("synonyms.txt")
DEFAULT_INDEX_NAME = "kamerzoek"
ANALYZER, SEARCH_ANALYZER, PLAIN_ANALYZER = "kamerzoek_dutch", "kamerzoek_dutch_search", \
    "kamerzoek_plain"

TEXT_FIELDS = ("body", "title", "dossier_title")
KEYWORD_TEXT_FIELDS = ("sender", "ministry", "doc_type", "topics", "subtopics")
KEYWORD_FIELDS = ("id", "source", "kamerstuk", "dossier", "ondernummer", "vergaderjaar",
                  "chamber", "topic_source", "references", "format")
SENDERS = "senders"


@dataclass
class ExportReport:
    letters: int = 0
    files: list[Path] = field(default_factory=list)
    definition: Path | None = None
    index_name: str = DEFAULT_INDEX_NAME

    def instructions(self) -> str:
        """How to load the export (Dutch), with curl."""
        folder = self.definition.parent if self.definition else Path(".")
        return (f"{self.letters} documenten in {len(self.files)} bulkbestand(en) in {folder}; "
                f"indexdefinitie: {self.definition}.\nLaden in OpenSearch of Elasticsearch:\n"
                f"  curl -XPUT \"$OPENSEARCH/{self.index_name}\" "
                f"-H 'Content-Type: application/json' --data-binary @{self.definition}\n"
                f"  for f in {folder}/bulk-*.ndjson; do curl -XPOST \"$OPENSEARCH/_bulk\" "
                "-H 'Content-Type: application/x-ndjson' --data-binary @\"$f\"; done")


def read_synonyms(path: Path) -> list[list[str]]:
    """Groups of equivalent terms: one group per line, comma-separated,
    `#` starts a comment. Terms are lowercased and folded like our tokens."""
    groups = []
    for line in path.read_text(encoding="utf-8").splitlines():
        terms = [fold(t.strip().lower()) for t in line.split("#", 1)[0].split(",")]
        terms = list(dict.fromkeys(t for t in terms if t))
        if len(terms) > 1:
            groups.append(terms)
    return groups


def override_rules(overrides: dict[str, str],
                   stopwords: Iterable[str] = DUTCH_STOPWORDS) -> list[str]:
    """`synonym` rules ``word => base``. A word that is its own base changes
    nothing, and a stop word never reaches the overrides in ours."""
    stopwords = frozenset(stopwords)
    return [f"{word} => {base}" for word, base in sorted(overrides.items())
            if word != base and word not in stopwords]


def synonym_rules(groups: list[list[str]], overrides: dict[str, str],
                  stopwords: Iterable[str] = DUTCH_STOPWORDS) -> list[str]:
    """`synonym_graph` rules: each term's words without stop words and with
    the stem overrides applied, as OpenSearch cannot do either when it parses
    rules (see the module's docstring)."""
    stopwords = frozenset(stopwords)
    rules = []
    for group in groups:
        terms = []
        for term in group:
            words = [overrides.get(w, w) for w in (m.group(0) for m in TOKEN_RE.finditer(term))
                     if w not in stopwords]
            if words and " ".join(words) not in terms:
                terms.append(" ".join(words))
        if len(terms) > 1:
            rules.append(", ".join(terms))
    return rules


def index_definition(*, synonyms: list[list[str]] | None = None,
                     overrides: dict[str, str] | None = None,
                     stopwords: Iterable[str] = DUTCH_STOPWORDS) -> dict:
    """Settings and mappings for `PUT /<index>`."""
    overrides = load_overrides() if overrides is None else overrides
    stopwords = sorted(stopwords)
    filters = {
        "kamerzoek_stop": {"type": "stop", "stopwords": stopwords},
        "kamerzoek_stem_override": {"type": "synonym",
                                    "synonyms": override_rules(overrides, stopwords)},
        "kamerzoek_snowball": {"type": "snowball", "language": "Dutch"},
        "kamerzoek_synonyms": {"type": "synonym_graph", "lenient": True,
                               "synonyms": synonym_rules(synonyms or [], overrides,
                                                         stopwords)},
    }
    head = ["lowercase", "asciifolding"]
    tail = ["kamerzoek_stop", "kamerzoek_stem_override", "kamerzoek_snowball"]
    analysis = {
        "tokenizer": {"kamerzoek_tokens": {"type": "pattern", "pattern": TOKEN_PATTERN,
                                           "group": 0, "flags": "UNICODE_CHARACTER_CLASS"}},
        "filter": filters,
        "analyzer": {
            ANALYZER: {"type": "custom", "tokenizer": "kamerzoek_tokens", "filter": head + tail},
            SEARCH_ANALYZER: {"type": "custom", "tokenizer": "kamerzoek_tokens",
                              "filter": head + tail + ["kamerzoek_synonyms"]},
            PLAIN_ANALYZER: {"type": "custom", "tokenizer": "kamerzoek_tokens",
                             "filter": head + ["kamerzoek_stop"]},
        },
    }
    return {"settings": {"analysis": analysis}, "mappings": mappings()}


def mappings() -> dict:
    """One mapping per Letter field: keywords for facets, analysed text for
    the words, a date for the date; `dynamic: strict` refuses anything else."""
    text = {"type": "text", "analyzer": ANALYZER, "search_analyzer": SEARCH_ANALYZER}
    properties: dict = {}
    for name in (f.name for f in fields(Letter)):
        if name in TEXT_FIELDS:
            properties[name] = dict(text)
        elif name in KEYWORD_TEXT_FIELDS:
            properties[name] = {"type": "keyword", "fields": {
                "text": {"type": "text", "analyzer": PLAIN_ANALYZER}}}
        elif name == "date":
            properties[name] = {"type": "date", "format": "yyyy-MM-dd"}
        elif name == "year":
            properties[name] = {"type": "integer"}
        else:
            properties[name] = {"type": "keyword"}
    properties["title"]["fields"] = {"raw": {"type": "keyword", "ignore_above": 512}}
    # Not a field of the letter: each member or office of its sender, as
    # kamerzoek's sender facet counts them (Letter.sender_names: co-signers
    # apart, without initials). `sender` is the string the file gives.
    properties[SENDERS] = {"type": "keyword"}
    return {"dynamic": "strict", "properties": properties}


def bulk_lines(letter: Letter, index_name: str) -> bytes:
    """The action line and the document line of one letter, each ending in \\n."""
    action = {"index": {"_index": index_name, "_id": letter.id}}
    document = {**letter.to_dict(), SENDERS: list(letter.sender_names())}
    return (json.dumps(action, ensure_ascii=False) + "\n"
            + json.dumps(document, ensure_ascii=False) + "\n").encode("utf-8")


def export(letters: Iterable[Letter], out_dir: str | Path, *,
           index_name: str = DEFAULT_INDEX_NAME, max_bytes: int = 10 * 1024 * 1024,
           synonyms_path: Path | None = None) -> ExportReport:
    """Write OUT/index.json and OUT/bulk-0001.ndjson, ... (each at most
    ``max_bytes``, unless one letter alone is larger)."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9._-]{0,199}", index_name):
        raise ValueError(f"ongeldige indexnaam '{index_name}' (kleine letters, cijfers, . _ -)")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    synonyms_path = synonyms_path or (DEFAULT_SYNONYMS if DEFAULT_SYNONYMS.is_file() else None)
    report = ExportReport(index_name=index_name)
    report.definition = out_dir / "index.json"
    definition = index_definition(synonyms=read_synonyms(synonyms_path) if synonyms_path else [])
    report.definition.write_text(json.dumps(definition, ensure_ascii=False, indent=2) + "\n",
                                 encoding="utf-8")
    for old in out_dir.glob("bulk-*.ndjson"):
        old.unlink()
    handle, size = None, 0
    try:
        for letter in letters:
            chunk = bulk_lines(letter, index_name)
            if handle is None or (size and size + len(chunk) > max_bytes):
                if handle is not None:
                    handle.close()
                path = out_dir / f"bulk-{len(report.files) + 1:04d}.ndjson"
                report.files.append(path)
                handle, size = path.open("wb"), 0
            handle.write(chunk)
            size += len(chunk)
            report.letters += 1
    finally:
        if handle is not None:
            handle.close()
    return report
