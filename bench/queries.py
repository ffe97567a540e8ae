"""The fixed query mix of the performance benchmark, and its translations.

Every query is a `BenchQuery`: a structured description (words, phrase,
alternatives, exclusions, prefix, year range, dossier, Kamerstuk identifier)
rendered three ways: kamerzoek's query language, Whoosh's default
QueryParser syntax (the naive baseline) and SQLite FTS5 MATCH syntax plus
WHERE clauses (the FTS5 baseline). The mix is built deterministically (fixed
lists, a seeded shuffle), so every run asks the same questions in the same
order.
"""
from __future__ import annotations

import random
import re
from collections import Counter
from dataclasses import dataclass, field

SEED = 20240501

WORDS = """
stikstof woningbouw klimaat defensie onderwijs pensioen asiel migratie belasting energie
gaswinning groningen jeugdzorg politie justitie drones wapens cyber landbouw visserij
waterschap dijken schiphol luchtvaart ziekenhuis huisarts leraren studiefinanciering
toeslagen kinderopvang armoede bijstand werkloosheid arbeidsmarkt inflatie begroting
subsidie gemeenten provincies oekraïne israël navo sancties ontwikkelingssamenwerking
vluchtelingen natuur milieu infrastructuur verkeersveiligheid fraude privacy
digitalisering intelligentie cultuur omroep sport terrorisme gevangenis rechtspraak
scheepvaart haven mijnbouw woningcorporaties huurders hypotheek spoorwegen vaccinatie
corona verpleeghuis ouderen jongeren discriminatie emancipatie suriname antillen
koloniën oorlog wederopbouw technologieën ontwapening kernwapens
""".split()

COMMON_WORDS = ["minister", "kamer", "regering", "nederland", "beleid", "wet", "jaar",
                "brief", "motie", "verzoekt"]

MULTI_WORDS = [
    "autonome wapens", "kunstmatige intelligentie", "nieuwe technologieën wapensystemen",
    "stikstof boeren natuur", "woningbouw gemeenten", "jeugdzorg gemeenten tekorten",
    "pensioen hervorming", "asiel opvang gemeenten", "energie prijzen huishoudens",
    "gaswinning groningen schade", "politie capaciteit", "cyber veiligheid",
    "leraren tekort onderwijs", "toeslagen ouders herstel", "kinderopvang kosten",
    "armoede kinderen", "arbeidsmarkt krapte", "begroting defensie", "navo bondgenoten",
    "sancties rusland", "oekraïne steun", "luchtvaart schiphol geluid", "zorg verpleeghuis ouderen",
    "klimaat uitstoot industrie", "visserij noordzee", "spoorwegen onderhoud",
    "privacy gegevens", "digitalisering overheid", "fraude uitkeringen", "huurders bescherming",
    "studiefinanciering basisbeurs", "vluchtelingen opvang", "ontwikkelingssamenwerking afrika",
    "wederopbouw woningen", "suriname onafhankelijkheid", "spoorweg aanleg", "waterstaat dijken",
    "koloniën begroting", "landbouw subsidie", "rechtspraak achterstanden",
    "menselijke controle wapensystemen", "internationaal recht",
]

PHRASES = [
    "betekenisvolle menselijke controle", "autonome wapens", "kunstmatige intelligentie",
    "gaat over tot de orde van de dag", "verzoekt de regering", "internationaal recht",
    "nationale veiligheid", "europese commissie", "gehoord de beraadslaging",
    "de kamer", "tweede kamer", "eerste kamer", "staten-generaal", "minister van financiën",
    "minister van buitenlandse zaken", "staatssecretaris van justitie", "verenigde naties",
    "publieke omroep", "sociale zekerheid", "openbaar vervoer", "volksgezondheid welzijn en sport",
    "onbemande vliegtuigen", "nucleaire ontwapening", "stikstof uitstoot", "hoge energieprijzen",
    "langdurige zorg", "woningbouw versnellen", "geestelijke gezondheidszorg",
    "midden-oosten", "wet op de rechterlijke organisatie",
]

EXCLUSIONS = [
    ("drones", "politie"), ("wapens", "nucleaire"), ("zorg", "jeugd"), ("energie", "gas"),
    ("onderwijs", "hoger"), ("belasting", "inkomsten"), ("asiel", "opvang"),
    ("klimaat", "stikstof"), ("defensie", "navo"), ("pensioen", "ouderdom"),
    ("gemeenten", "provincies"), ("oorlog", "wederopbouw"), ("motie", "verzoekt"),
    ("schiphol", "geluid"), ("politie", "justitie"), ("subsidie", "landbouw"),
    ("woningbouw", "huur"), ("groningen", "gaswinning"), ("cyber", "defensie"),
    ("spoorwegen", "goederen"),
]

ALTERNATIVES = [
    ("stikstof", "woningbouw"), ("drones", "robots"), ("asiel", "migratie"),
    ("pensioen", "aow"), ("schiphol", "luchtvaart"), ("politie", "marechaussee"),
    ("huisarts", "ziekenhuis"), ("leraren", "docenten"), ("oekraïne", "rusland"),
    ("spoor", "trein"), ("kolen", "mijnbouw"), ("armoede", "schulden"),
]

PREFIXES = ["wapen", "stikst", "woning", "pensioe", "klima", "digita", "onderwij", "belast",
            "zorgv", "energ"]

YEAR_RANGES = [(2019, 2025), (2015, 2020), (2024, 2026), (1980, 1995), (1950, 1970),
               (2000, 2010), (2025, 2025), (1995, 2026)]

DOSSIERS = ["33694", "21501-20", "21501-02", "32847", "36600", "35334", "26643", "29279",
            "34104", "30950"]

IDENTIFIERS = [  # (as typed, normalised)
    ("kst-33694-45", "kst-33694-45"), ("33 694, nr. 45", "kst-33694-45"),
    ("33694-45", "kst-33694-45"), ("kst-34104-439", "kst-34104-439"),
    ("kst-36372-23", "kst-36372-23"), ("kst-30950-495", "kst-30950-495"),
    ("kst-21501-20-2146", "kst-21501-20-2146"), ("kst-36600-V-42", "kst-36600-V-42"),
    ("kst-36481-10", "kst-36481-10"), ("kst-29279-956", "kst-29279-956"),
    ("Kamerstuk 26 643, nr. 536", "kst-26643-536"), ("kst-36576-81", "kst-36576-81"),
]


@dataclass(frozen=True)
class BenchQuery:
    kind: str
    words: tuple[str, ...] = ()
    phrase: str | None = None
    any_of: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    prefix: str | None = None
    years: tuple[int, int] | None = None
    dossier: str | None = None
    identifier: tuple[str, str] | None = None  # (typed, normalised)
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    # -- kamerzoek -------------------------------------------------------
    def kamerzoek(self) -> str:
        parts = []
        if self.identifier:
            parts.append(self.identifier[0])
        parts.extend(self.words)
        if self.phrase:
            parts.append(f'"{self.phrase}"')
        if self.any_of:
            parts.append(" OF ".join(self.any_of))
        if self.prefix:
            parts.append(self.prefix + "*")
        parts.extend("-" + w for w in self.exclude)
        if self.years:
            a, b = self.years
            parts.append(f"jaar:{a}" if a == b else f"jaar:{a}..{b}")
        if self.dossier:
            parts.append(f"dossier:{self.dossier}")
        return " ".join(parts)

    # -- naive Whoosh QueryParser (default field: body) --------------------
    def whoosh(self) -> str:
        parts = []
        if self.identifier:
            kst = self.identifier[1]
            parts.append(f'(id:{kst} OR "{" ".join(kst.split("-"))}")')
        parts.extend(self.words)
        if self.phrase:
            parts.append(f'"{self.phrase}"')
        if self.any_of:
            parts.append("(" + " OR ".join(self.any_of) + ")")
        if self.prefix:
            parts.append(self.prefix + "*")
        parts.extend("NOT " + w for w in self.exclude)
        if self.years:
            a, b = self.years
            parts.append(f"year:{a}" if a == b else f"year:[{a} TO {b}]")
        if self.dossier:
            parts.append(f"(dossier:{self.dossier} OR dossier:{self.dossier}-*)")
        return " ".join(parts)

    # -- SQLite FTS5: (MATCH expression, extra WHERE sql, params) -----------
    def fts5(self) -> tuple[str, str, list]:
        terms = []
        if self.identifier:
            terms.append(_fts_phrase(self.identifier[1].replace("-", " ")))
        terms.extend(_fts_phrase(w) for w in self.words)
        if self.phrase:
            terms.append(_fts_phrase(self.phrase))
        if self.any_of:
            terms.append("(" + " OR ".join(_fts_phrase(w) for w in self.any_of) + ")")
        if self.prefix:
            terms.append(_fts_phrase(self.prefix) + " *")
        match = " AND ".join(terms)
        for word in self.exclude:
            match = f"({match}) NOT {_fts_phrase(word)}"
        where, params = [], []
        if self.years:
            where.append("year BETWEEN ? AND ?")
            params.extend(self.years)
        if self.dossier:
            where.append("(dossier = ? OR dossier LIKE ?)")
            params.extend([self.dossier, self.dossier + "-%"])
        return match, " AND ".join(where), params


def _fts_phrase(text: str) -> str:
    # FTS5 strings: double quotes doubled; punctuation inside is tokenized away.
    tokens = re.findall(r"\w+", text)
    return '"' + " ".join(tokens).replace('"', '""') + '"'


def query_mix() -> list[BenchQuery]:
    """The fixed mix (about 230 queries)."""
    rng = random.Random(SEED)
    out: list[BenchQuery] = []
    out += [BenchQuery("one-word", words=(w,)) for w in WORDS]
    out += [BenchQuery("common-word", words=(w,)) for w in COMMON_WORDS]
    out += [BenchQuery("several-words", words=tuple(m.split())) for m in MULTI_WORDS]
    out += [BenchQuery("phrase", phrase=p) for p in PHRASES]
    out += [BenchQuery("exclusion", words=(a,), exclude=(b,)) for a, b in EXCLUSIONS]
    out += [BenchQuery("or", any_of=pair) for pair in ALTERNATIVES]
    out += [BenchQuery("prefix", prefix=p) for p in PREFIXES]
    out += [BenchQuery("identifier", identifier=i) for i in IDENTIFIERS]
    # Filters: a word plus a year range, a word plus a dossier, both.
    for i, years in enumerate(YEAR_RANGES * 2):
        word = WORDS[rng.randrange(len(WORDS))]
        out.append(BenchQuery("year-filter", words=(word,), years=years))
    for dossier in DOSSIERS:
        word = rng.choice(["motie", "regering", "brief", "verzoekt", "kabinet"])
        out.append(BenchQuery("dossier-filter", words=(word,), dossier=dossier))
    for i in range(6):
        out.append(BenchQuery("combined", words=tuple(MULTI_WORDS[i].split()[:2]),
                              years=YEAR_RANGES[i % 3], exclude=(EXCLUSIONS[i][1],)))
    out.append(BenchQuery("combined", words=("regering",), dossier="21501-20", years=(2024, 2026)))
    return out


def describe(mix: list[BenchQuery]) -> dict[str, int]:
    return dict(Counter(q.kind for q in mix))


if __name__ == "__main__":
    mix = query_mix()
    print(len(mix), describe(mix))
    for q in mix[::23]:
        print(f"{q.kind:15} {q.kamerzoek()!r:45} | {q.whoosh()!r} | {q.fts5()}")
