"""The letter record: what every reader produces and the indexer consumes."""
from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace


@dataclass(frozen=True)
class Letter:
    """One parliamentary document, as read from one file.

    Anything that cannot be read from the document is None (or an empty
    tuple): never a guess presented as fact. ``topic_source`` says where the
    topics came from (``metadata``, ``sidecar``, ``dossier``, ``model``), so
    inferred topics can be shown as such.
    """

    id: str
    source: str
    body: str
    title: str | None = None
    kamerstuk: str | None = None       # "kst-33694-45"
    dossier: str | None = None         # "33694", "21501-21", "34300-X"
    ondernummer: str | None = None     # "45"
    vergaderjaar: str | None = None    # "2018-2019"
    date: str | None = None            # ISO "2019-05-13"
    year: int | None = None
    doc_type: str | None = None        # "Brief regering", "Motie", ...
    dossier_title: str | None = None
    sender: str | None = None          # "Minister van Buitenlandse Zaken"
    ministry: str | None = None        # "Buitenlandse Zaken"
    chamber: str | None = None         # "Tweede Kamer", "Eerste Kamer"
    topics: tuple[str, ...] = ()       # top-level themes: "Zorg en gezondheid"
    subtopics: tuple[str, ...] = ()    # "Zorg en gezondheid | Organisatie en beleid"
    topic_source: str | None = None
    references: tuple[str, ...] = ()   # other Kamerstukken cited, "kst-33783-41"
    format: str | None = None          # "koop-xml", "koop-html", "text", "markdown"

    def to_dict(self) -> dict:
        # Every field is a str, an int, None or a tuple of str: a shallow
        # copy will do, where asdict() copies each value deeply (half the
        # time of making a document to index).
        data = {name: getattr(self, name) for name in _FIELD_ORDER}
        for name in ("topics", "subtopics", "references"):
            data[name] = list(data[name])
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "Letter":
        values = {k: v for k, v in data.items() if k in _FIELD_NAMES}
        for name in ("topics", "subtopics", "references"):
            if name in values:
                values[name] = tuple(values[name] or ())
        return cls(**values)

    def with_changes(self, **changes) -> "Letter":
        return replace(self, **changes)

    def sender_names(self) -> tuple[str, ...]:
        """Each person or office in ``sender``, so a co-signer counts and
        filters on their own: KOOP's indieners are joined with "; "; a motie
        read from its heading or signature names its members "Ellian en
        Veltman" or "Beckerman c.s." (the first signer, others unnamed). A
        government sender is one office even when it holds "en" ("Minister
        van Onderwijs, Cultuur en Wetenschap")."""
        names = [n.strip() for n in (self.sender or "").split(";")]
        if self.doc_type == "Motie":
            names = [part for n in names for part in _MOTIE_NAMES.split(_CO_SIGNERS.sub("", n))]
        return tuple(dict.fromkeys(person_name(n.strip()) for n in names if n.strip()))


def person_name(name: str) -> str:
    """A person as the sender facet counts them: without initials, with a
    capital ("D.G.M. Ceder" -> "Ceder", "S.R.T. van Baarle" -> "Van
    Baarle"), as a motie's heading and most signatures name them. KOOP's
    indieners carry initials, the moties without its metadata mostly not,
    so one member was two values (in the shared corpus 114 names, 2,959
    letters; "D.G.M. Ceder" 31 letters, "Ceder" 71). Members who share a
    surname keep the name that tells them apart: KOOP writes "H. (Diederik)
    van Dijk", a heading "Diederik van Dijk". Offices ("Minister van
    Justitie") have no initials."""
    initials = _INITIALS.match(name)
    if not initials:
        return name
    rest = name[initials.end():]
    called = _CALLED.match(rest)
    if called:   # "H. (Diederik) van Dijk": KOOP's way to tell members apart
        return f"{called.group(1)} {rest[called.end():]}"
    return rest[:1].upper() + rest[1:]


# Read once: dataclasses.fields() per letter was a fifth of reading a hit.
_FIELD_ORDER = tuple(f.name for f in fields(Letter))
_FIELD_NAMES = frozenset(_FIELD_ORDER)
_MOTIE_NAMES = re.compile(r"\s+en\s+")
_CO_SIGNERS = re.compile(r"\s*c\.s\.$")
# "D.G.M. ", "M. P. A. ", "Th.C. ": capitals with up to two small letters,
# each with a full stop.
_INITIALS = re.compile(r"(?:[A-ZÀ-Þ][a-z]{0,2}\.\s*)+(?=[^\W\d_]|\()")
_CALLED = re.compile(r"\(([^()]+)\)\s+(?=\S)")


LIST_FIELDS = ("topics", "subtopics", "references")
