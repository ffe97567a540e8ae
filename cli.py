"""kamerzoek on the command line: index letters, search them, show one.

The commands only parse options, call the `index` and `search` APIs and
present what comes back; errors become Dutch messages, never tracebacks.
"""
from __future__ import annotations

import gc
import importlib
import json
import sys
from pathlib import Path

import click

import config
from corpus.errors import CorpusError
from corpus.files import os_reason
from corpus.kamerstuk import parse_identifier
from index.store import IndexStoreError
from search import LetterNotFound, SearchError, SearchRequest, Searcher
from search.display import FACET_LABELS, citation, decimal, dutch_date
from search.query import facet_values, facet_values_meant
from search.snippets import plain

DEFAULT_INDEX = "kamerzoek-index"


# click wraps its own messages (errors, usage, help) in gettext, bound in each
# of its modules as `_` and `ngettext`. Replacing those names gives Dutch
# without a compiled catalogue, a locale setting or a global gettext domain
# that would also change other libraries. It must happen before the commands
# below are declared: click.Path translates its name ("file") when created.
# A message missing here stays English; tests/test_cli.py checks the common ones.
_CLICK_DUTCH = {
    "Aborted!": "Afgebroken.",
    "Usage:": "Gebruik:",
    "Options": "Opties",
    "Positional arguments": "Argumenten",
    "Commands": "Opdrachten",
    "Error: {message}": "Fout: {message}",
    "Try '{command} {option}' for help.": "Zie '{command} {option}' voor hulp.",
    "Show this message and exit.": "Toon deze hulp en stop.",
    "Show the version and exit.": "Toon het versienummer en stop.",
    "%(prog)s, version %(version)s": "%(prog)s, versie %(version)s",
    "default: {default}": "standaard: {default}",
    "required": "verplicht",
    "env var: {var}": "omgevingsvariabele: {var}",
    "(dynamic)": "(wisselend)",
    "deprecated": "verouderd",
    "Missing command.": "Geef een opdracht.",
    "Missing argument": "Ontbrekend argument",
    "Missing option": "Ontbrekende optie",
    "Missing parameter": "Ontbrekende parameter",
    "Missing {param_type}": "Ontbrekende {param_type}",
    "Missing parameter: {param_name}": "Ontbrekende parameter: {param_name}",
    "Invalid value: {message}": "Ongeldige waarde: {message}",
    "Invalid value for {param_hint}: {message}": "Ongeldige waarde voor {param_hint}: {message}",
    "No such option {name!r}.": "Onbekende optie {name!r}.",
    "No such command {name!r}.": "Onbekende opdracht {name!r}.",
    "unknown error": "onbekende fout",
    "Could not open file {filename!r}: {message}":
        "Kan bestand {filename!r} niet openen: {message}",
    "Option {name!r} does not take a value.": "Optie {name!r} neemt geen waarde.",
    "Argument {name!r} takes {nargs} values.": "Argument {name!r} neemt {nargs} waarden.",
    "Choose from:\n\t{choices}": "Kies uit:\n\t{choices}",
    "{value} is not in the range {range}.": "{value} valt niet binnen {range}.",
    # click fills in the type's English name ("integer range"); left out.
    "{value!r} is not a valid {number_type}.": "{value!r} is geen geldig getal.",
    "{value!r} is not a valid boolean. Recognized values: {states}":
        "{value!r} is geen geldige ja/nee-waarde. Mogelijk: {states}",
    "file": "bestand",
    "directory": "map",
    "path": "pad",
    "{name} {filename!r} does not exist.": "{name} {filename!r} bestaat niet.",
    "{name} {filename!r} is a file.": "{name} {filename!r} is een bestand.",
    "{name} {filename!r} is a directory.": "{name} {filename!r} is een map.",
    "{name} {filename!r} is not readable.": "{name} {filename!r} is niet leesbaar.",
    "{name} {filename!r} is not writable.": "{name} {filename!r} is niet schrijfbaar.",
    "Error: invalid input": "Fout: ongeldige invoer",
}
_CLICK_DUTCH_PLURAL = {
    "Got unexpected extra argument ({args})":
        ("Onverwacht extra argument ({args})", "Onverwachte extra argumenten ({args})"),
    "Did you mean {possibility}?":
        ("Bedoelde u {possibility}?", "(Bedoelde u een van: {possibilities}?)"),
    "{value!r} is not {choice}.": ("{value!r} is niet {choice}.",
                                   "{value!r} is niet een van {choices}."),
    "Option {name!r} requires an argument.":
        ("Optie {name!r} heeft een waarde nodig.", "Optie {name!r} heeft {nargs} waarden nodig."),
    "{value!r} does not match the format {format}.":
        ("{value!r} past niet bij het formaat {format}.",
         "{value!r} past niet bij de formaten {formats}."),
}


def _click_gettext(message: str) -> str:
    return _CLICK_DUTCH.get(message, message)


def _click_ngettext(singular: str, plural: str, n: int) -> str:
    forms = _CLICK_DUTCH_PLURAL.get(singular, (singular, plural))
    return forms[0] if n == 1 else forms[1]


for _click_module in map(importlib.import_module, (
        "click.core", "click.exceptions", "click.types", "click.parser", "click.decorators",
        "click.formatting", "click.termui")):
    _click_module._ = _click_gettext
    if hasattr(_click_module, "ngettext"):
        _click_module.ngettext = _click_ngettext


class _Command(click.Command):
    """A command whose usage line names its options in Dutch."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("options_metavar", "[OPTIES]")
        super().__init__(*args, **kwargs)


class _Group(click.Group):
    command_class = _Command

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("options_metavar", "[OPTIES]")
        kwargs.setdefault("subcommand_metavar", "OPDRACHT [ARGUMENTEN]...")
        super().__init__(*args, **kwargs)


class Context:
    """The command line's view of the configuration, read on first use (so
    `--help` works even when kamerzoek.toml is wrong)."""

    def __init__(self, index_dir: Path | None = None, config_file: Path | None = None):
        self._index, self._config_file = index_dir, config_file
        self._settings: config.Settings | None = None

    @property
    def settings(self) -> config.Settings:
        if self._settings is None:
            try:
                self._settings = config.load(self._config_file).override("index", self._index)
            except config.ConfigError as exc:
                raise click.ClickException(str(exc)) from None
        return self._settings

    @property
    def index_dir(self) -> Path:
        return self.settings["index"]

    def searcher(self) -> Searcher:
        try:
            return Searcher(self.index_dir, self.settings["analysis.synonyms"])
        except IndexStoreError as exc:
            raise click.ClickException(str(exc)) from None


pass_context = click.make_pass_decorator(Context)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--index", "index_dir", type=click.Path(file_okay=False, path_type=Path),
              default=None, metavar="MAP",
              help=f"Map van de index (anders: KAMERZOEK_INDEX, 'index' in {config.FILENAME}, "
                   f"of ./{DEFAULT_INDEX}).")
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path),
              default=None, metavar="BESTAND",
              help=f"Configuratiebestand (anders: KAMERZOEK_CONFIG of ./{config.FILENAME}).")
@click.version_option(package_name="kamerzoek", message="kamerzoek %(version)s")
@click.pass_context
def main(ctx, index_dir, config_file):
    """Doorzoek Kamerbrieven en andere Kamerstukken: met Nederlandse
    woordstammen, gemarkeerde fragmenten en tellingen per jaar, dossier en
    onderwerp."""
    ctx.obj = Context(index_dir, config_file)


@main.command("index")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path), metavar="[PADEN]...")
@click.option("--rebuild", is_flag=True, help="Bouw de index helemaal opnieuw op.")
@click.option("--procs", type=click.IntRange(1, 64), default=None, metavar="N",
              help="Aantal processen (standaard: alle kernen, maximaal 2).")
@pass_context
def index_command(obj: Context, paths, rebuild, procs):
    """Bouw of werk de index bij met de brieven in PADEN (mappen of bestanden;
    zonder PADEN: corpus.folders uit de configuratie).

    Ongewijzigde bestanden worden overgeslagen, gewijzigde vervangen en
    verdwenen bestanden verwijderd. Een bestand dat niet gelezen kan worden,
    wordt gemeld; de rest gaat door.
    """
    paths = list(paths) or obj.settings["corpus.folders"]
    if not paths:
        raise click.UsageError("Geef de mappen met brieven (PADEN), of zet corpus.folders "
                               f"in {config.FILENAME}.")
    if not _build(obj, paths, rebuild=rebuild, procs=procs):
        sys.exit(1)


def _build(obj: Context, paths, *, rebuild=False, procs=None) -> bool:
    """Build or update the index and report; False when a file failed."""
    from index.builder import build_index
    from index.topics import TopicModel

    # The builder has no parameter for the topic model's confidence threshold;
    # it is a class setting of TopicModel, set for this build only.
    default_threshold = TopicModel.threshold
    TopicModel.threshold = obj.settings["topics.threshold"]
    progress = _ProgressBars()
    try:
        report = build_index(list(paths), obj.index_dir, rebuild=rebuild, procs=procs,
                             progress=progress)
    except (CorpusError, IndexStoreError) as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        progress.close()
        TopicModel.threshold = default_threshold
    for problem in report.failed:
        click.secho(f"mislukt: {problem.path}: {problem.reason}", fg="red", err=True)
    skipped = len(report.skipped)
    seconds = decimal(report.seconds)
    if report.reread:
        click.echo("Deze versie van kamerzoek leest de bestanden anders dan de versie die de "
                   "index bouwde: alle bestanden zijn opnieuw gelezen en bijgewerkt.")
    click.echo(
        f"Klaar in {seconds} s: {report.added} toegevoegd, {report.updated} "
        f"bijgewerkt, {report.removed} verwijderd, {report.unchanged} ongewijzigd, "
        f"{len(report.failed)} mislukt, {skipped} overgeslagen. "
        f"De index bevat {_documents(report.letters)} ({obj.index_dir}).")
    if skipped:
        click.echo("Overgeslagen (geen brief of dubbel): "
                   + "; ".join(f"{Path(p.path).name}: {p.reason}" for p in report.skipped[:5])
                   + (" …" if skipped > 5 else ""))
    return not report.failed


def _documents(count: int) -> str:
    return f"{count} document" if count == 1 else f"{count} documenten"


class _ProgressBars:
    LABELS = {"ophalen": "Kamerstukken ophalen", "lezen": "Bestanden lezen", "onderwerpen": "Onderwerpen bepalen",
              "schrijven": "Index schrijven"}

    def __init__(self):
        self.stage, self.bar, self.done = None, None, 0

    def __call__(self, stage: str, done: int, total: int):
        if stage != self.stage:
            self.close()
            self.stage, self.done = stage, 0
            self.bar = click.progressbar(length=max(total, 1), label=self.LABELS.get(stage, stage),
                                         file=sys.stderr, show_pos=True)
            self.bar.__enter__()
        self.bar.length = max(total, 1)  # a download's total is an estimate
        self.bar.update(done - self.done)
        self.done = done

    def close(self):
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@main.command(context_settings={"ignore_unknown_options": True})
@click.argument("query", nargs=-1, type=click.UNPROCESSED, metavar="[ZOEKWOORDEN]...")
@click.option("--year", "years", multiple=True, metavar="JAAR",
              help="Jaar of jaren, bijv. 2019 of 2015..2020.")
@click.option("--dossier", "dossiers", multiple=True, metavar="NR",
              help="Dossiernummer, bijv. 33694.")
@click.option("--topic", "topics", multiple=True, metavar="ONDERWERP",
              help="Onderwerp, bijv. 'Zorg en gezondheid' of zorg (hoofdletters maken niet uit).")
@click.option("--type", "doc_types", multiple=True, metavar="SOORT",
              help="Soort document, bijv. 'Brief regering' of motie.")
@click.option("--sender", "senders", multiple=True, metavar="AFZENDER",
              help="Afzender, bijv. 'Minister van Buitenlandse Zaken' of een deel ervan.")
@click.option("--sort", type=click.Choice(["relevance", "date", "date_asc"]),
              default="relevance", show_default=True, help="Sorteer op relevantie of datum.")
@click.option("--limit", type=click.IntRange(1, 100), default=None, metavar="N",
              help="Aantal resultaten per pagina (standaard: search.page_size, 10).")
@click.option("--page", type=click.IntRange(1, 10_000), default=1, show_default=True,
              metavar="N", help="Welke pagina met resultaten.")
@click.option("--explain", is_flag=True,
              help="Toon per resultaat welke zoektermen in welk veld overeenkwamen.")
@click.option("--json", "as_json", is_flag=True, help="Uitvoer als JSON (zelfde vorm als de web-API).")
@pass_context
def search(obj: Context, query, years, dossiers, topics, doc_types, senders, sort, limit,
           page, explain, as_json):
    """Zoek in de index. Voorbeelden:

    \b
      kamerzoek search autonome wapens
      kamerzoek search '"betekenisvolle menselijke controle"' --year 2019
      kamerzoek search drones -politie jaar:2015..2020
      kamerzoek search "33 694, nr. 45"
    """
    with obj.searcher() as searcher:
        try:
            typed = {"topic": topics, "doc_type": doc_types, "sender": senders}
            filters = {facet: _facet_values(searcher, facet, values)
                       for facet, values in typed.items() if values}
            filters.update({k: tuple(v) for k, v in {"year": years, "dossier": dossiers}.items()
                            if v})
            response = searcher.search(SearchRequest(
                query=" ".join(query), sort=sort, page=page,
                per_page=limit or obj.settings["search.page_size"], explain=explain,
                filters=filters))
        except SearchError as exc:
            raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(json.dumps(response.to_dict(), ensure_ascii=False, indent=2))
        return
    _print_response(response)


def _facet_values(searcher: Searcher, facet: str, typed_values) -> tuple[str, ...]:
    """The index's values for --topic/--type/--sender as typed, matched like
    `onderwerp:`/`soort:`/`afzender:` in the query (any case, part of a
    value); a value that matches nothing is an error, not an empty result."""
    meant: list[str] = []
    for typed in typed_values:
        found = facet_values_meant(facet, typed, searcher.current())
        if not found:
            label = FACET_LABELS[facet].lower()
            # Senders run into thousands; topics and types are worth listing.
            known = facet_values(facet, searcher.current()) if facet != "sender" else []
            more = f" en nog {len(known) - 15}" if len(known) > 15 else ""
            hint = f" Bekend: {', '.join(known[:15])}{more}." if known else ""
            raise click.ClickException(f"Geen {label} '{typed}' in de index.{hint}")
        meant.extend(v for v in found if v not in meant)
    return tuple(meant)


def _print_response(response):
    shown = f' voor "{response.query}"' if response.query else ""
    click.echo(f"{_documents(response.total)} gevonden{shown} ({response.took_ms:.0f} ms)"
               + (f", pagina {response.page} van {response.pages}"
                  if 1 < response.pages and response.page <= response.pages else ""))
    if response.total and response.page > response.pages:
        last = ("er is maar 1 pagina" if response.pages == 1
                else f"de laatste is pagina {response.pages}")
        click.secho(f"Pagina {response.page} bestaat niet: {last}.", fg="yellow")
    if response.expansions:
        click.echo("Ook gezocht op: " + ", ".join(response.expansions))
    if response.suggestion:
        click.echo(click.style(f'Bedoelde u: "{response.suggestion}"?', fg="yellow"))
    first = (response.page - 1) * response.per_page
    for number, hit in enumerate(response.hits, first + 1):
        click.echo()
        where = " · ".join(filter(None, [citation(hit.kamerstuk), dutch_date(hit.date),
                                         hit.doc_type]))
        click.echo(click.style(f"{number:>3}. ", bold=True) + click.style(where, fg="cyan"))
        click.echo("     " + click.style(hit.title or "(zonder titel)", bold=True))
        extra = " · ".join(filter(None, [hit.sender, _topics_text(hit.topics, hit.topic_source)]))
        if extra:
            click.echo("     " + extra)
        for snippet in hit.snippets:
            click.echo("     " + _terminal_snippet(snippet))
        for part in hit.explanation or ():
            click.echo(f"       {part['score']:>7.1f}  {part['term']} ({part['kind']}, "
                       f"{part['field']})")
        click.echo(click.style(f"     {hit.id}", dim=True))
    if response.facets and response.total:
        click.echo()
        for name, counts in response.facets.items():
            labels = response.facet_labels.get(name, {})
            values = " · ".join(
                f"{value} – {labels[value]} ({count})" if value in labels else f"{value} ({count})"
                for value, count in list(counts.items())[:8])
            click.echo(click.style(f"{FACET_LABELS.get(name, name)}: ", bold=True) + values)


def _topics_text(topics, topic_source: str | None) -> str | None:
    """The topics, saying so when they were inferred rather than given:
    "Internationaal (afgeleid: model)"."""
    if not topics:
        return None
    inferred = f" (afgeleid: {topic_source})" if topic_source in ("dossier", "model") else ""
    return ", ".join(topics) + inferred


def _terminal_snippet(snippet: str) -> str:
    """Matches in bold yellow on a terminal, in [brackets] in a pipe or file."""
    if sys.stdout.isatty():
        return plain(snippet, "\x1b[1;33m", "\x1b[0m")
    return plain(snippet, "[", "]")


@main.command()
@click.argument("letter_id", nargs=-1, required=True, metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="Uitvoer als JSON.")
@pass_context
def show(obj: Context, letter_id, as_json):
    """Toon één document met al zijn gegevens. ID is de id uit de zoekresultaten of
    een Kamerstuk zoals bij search: kst-33694-45, "33 694, nr. 45" of 33694-45."""
    typed = " ".join(letter_id)
    with obj.searcher() as searcher:
        try:
            # An id as shown wins; a letter without a Kamerstuk number has
            # only that one.
            letter = searcher.get(typed if searcher.has(typed)
                                  else parse_identifier(typed) or typed)
        except LetterNotFound as exc:
            raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(json.dumps(letter.to_dict(), ensure_ascii=False, indent=2))
        return
    rows = [("Id", letter.id), ("Kamerstuk", citation(letter.kamerstuk)),
            ("Titel", letter.title), ("Datum", dutch_date(letter.date) if letter.date else None),
            ("Vergaderjaar", letter.vergaderjaar), ("Soort", letter.doc_type),
            ("Dossier", " – ".join(filter(None, [letter.dossier, letter.dossier_title]))),
            ("Afzender", letter.sender), ("Ministerie", letter.ministry),
            ("Kamer", letter.chamber),
            ("Onderwerp", _topics_text(letter.topics, letter.topic_source)),
            ("Verwijst naar", ", ".join(letter.references)), ("Bron", letter.source)]
    for label, value in rows:
        click.echo(f"{label + ':':<14} {value if value else 'onbekend'}")
    click.echo()
    click.echo(letter.body)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Uitvoer als JSON.")
@pass_context
def stats(obj: Context, as_json):
    """Toon hoeveel documenten de index bevat, per jaar, onderwerp en soort."""
    with obj.searcher() as searcher:
        info = searcher.stats()
    if as_json:
        click.echo(json.dumps(info.__dict__, ensure_ascii=False, indent=2))
        return
    click.echo(f"Index: {info.index_dir}")
    click.echo(f"Documenten: {info.letters}")
    analysis = info.manifest.get("analysis", {})
    click.echo(f"Analyse: {analysis.get('stemmer')} (snowballstemmer "
               f"{analysis.get('snowballstemmer')}, PyStemmer {analysis.get('PyStemmer')})")
    click.echo(f"Bijgewerkt: {info.manifest.get('updated') or info.manifest.get('created')}")
    for name, counts in info.facets.items():
        click.echo()
        click.echo(click.style(FACET_LABELS.get(name, name), bold=True))
        items = list(counts.items())
        if name in ("year", "vergaderjaar"):
            # Newest first; "onbekend" last.
            known = sorted((i for i in items if i[0] != "onbekend"), reverse=True)
            items = known + [i for i in items if i[0] == "onbekend"]
        for value, count in items[:40]:
            click.echo(f"  {value:<40} {count:>7}")
        if len(items) > 40:
            click.echo(f"  … en nog {len(items) - 40} waarden")


@main.command()
@click.option("--format", "fmt", type=click.Choice(["jsonl", "opensearch"]), default="jsonl",
              show_default=True, help="jsonl: één JSON-regel per document; opensearch: "
              "indexdefinitie plus bulkbestanden (NDJSON) voor OpenSearch/Elasticsearch.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True), default="-",
              metavar="BESTAND",
              help="Uitvoerbestand bij jsonl (standaard: standaarduitvoer).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              metavar="MAP", help="Uitvoermap bij opensearch.")
@click.option("--index-name", default="kamerzoek", show_default=True, metavar="NAAM",
              help="Naam van de OpenSearch-index (_index in de bulkbestanden).")
@click.option("--max-mb", type=click.FloatRange(0.001), default=10.0, show_default=True,
              metavar="MB",
              help="Maximale grootte van één bulkbestand in MB.")
@pass_context
def export(obj: Context, fmt, output, out_dir, index_name, max_mb):
    """Schrijf elk document weg voor andere tools: als JSON Lines, of als
    indexdefinitie en bulkbestanden voor OpenSearch/Elasticsearch."""
    if fmt == "jsonl":
        if out_dir is not None:
            raise click.UsageError("--out hoort bij --format opensearch; gebruik -o voor jsonl.")
        with obj.searcher() as searcher:
            # Opened here rather than by click.File, whose reason is the
            # system's English text; after the index, so a missing index
            # leaves an earlier export in place.
            try:
                out = click.open_file(output, "w", encoding="utf-8")
            except OSError as exc:
                raise click.ClickException(
                    f"Kan '{output}' niet schrijven ({os_reason(exc)}).") from None
            with out:
                for letter in searcher.letters():
                    out.write(json.dumps(letter.to_dict(), ensure_ascii=False) + "\n")
        return
    if out_dir is None:
        raise click.UsageError("Geef met --out de map voor de OpenSearch-export.")
    from index.export_opensearch import export as export_opensearch

    with obj.searcher() as searcher:
        try:
            report = export_opensearch(searcher.letters(), out_dir, index_name=index_name,
                                       max_bytes=int(max_mb * 1024 * 1024),
                                       synonyms_path=obj.settings["analysis.synonyms"])
        except ValueError as exc:
            raise click.ClickException(f"Export mislukt: {exc}") from None
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename else ""
            raise click.ClickException(f"Export mislukt: {where}{os_reason(exc)}.") from None
    click.echo(report.instructions())


@main.command()
@click.option("--dossier", "dossiers", multiple=True, metavar="NR",
              help="Dossiernummer, bijv. 33694 (mag vaker).")
@click.option("--vergaderjaar", metavar="JJJJ-JJJJ", help="Vergaderjaar, bijv. 2018-2019.")
@click.option("--from", "date_from", metavar="JJJJ-MM-DD", help="Vanaf deze datum.")
@click.option("--to", "date_to", metavar="JJJJ-MM-DD", help="Tot en met deze datum.")
@click.option("--type", "types", multiple=True, metavar="SOORT",
              help="Soort Kamerstuk, bijv. 'Brief regering' of Motie (mag vaker; 'alle' voor "
                   "elke soort; standaard: fetch.types).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              metavar="MAP", help="Doelmap (standaard: fetch.out).")
@click.option("--max", "limit", type=click.IntRange(1), metavar="N",
              help="Hoogstens zoveel documenten.")
@click.option("--index", "then_index", is_flag=True,
              help="Werk daarna de index bij met de opgehaalde stukken.")
@pass_context
def fetch(obj: Context, dossiers, vergaderjaar, date_from, date_to, types, out_dir, limit,
          then_index):
    """Haal Kamerstukken (XML en metadata) op bij de officiële zoekdienst (SRU)
    van KOOP. Al opgehaalde bestanden worden overgeslagen, dus een
    afgebroken run kan gewoon opnieuw. Voorbeeld:

    \b
      kamerzoek fetch --dossier 33694 --index
      kamerzoek fetch --vergaderjaar 2018-2019 --type Motie --out brieven
    """
    from corpus.fetch import FetchSettings, fetch as run_fetch
    from corpus.sru import Selection, SelectionError

    try:
        selection = Selection.from_options(
            dossiers=dossiers, vergaderjaar=vergaderjaar, date_from=date_from, date_to=date_to,
            types=types or obj.settings["fetch.types"])
    except SelectionError as exc:
        raise click.UsageError(str(exc)) from None
    if selection.is_empty():
        raise click.UsageError("Kies wat u wilt ophalen: --dossier, --vergaderjaar, --from "
                               "of --to.")
    out_dir = out_dir or obj.settings["fetch.out"]
    bars = _ProgressBars()
    try:
        report = run_fetch(selection, out_dir, FetchSettings.from_config(obj.settings),
                           limit=limit, progress=lambda done, total: bars("ophalen", done, total))
    finally:
        bars.close()
    for name, reason in report.failed:
        click.secho(f"mislukt: {name}: {reason}", fg="red", err=True)
    click.echo(report.summary(out_dir))
    if report.error:
        again = " Opnieuw starten gaat verder waar het bleef." if report.resumable else ""
        click.secho(f"Ophalen gestopt: {report.error}{again}", fg="red", err=True)
    indexed_ok = True
    if then_index and (report.fetched or report.skipped):
        indexed_ok = _build(obj, [out_dir])
    if report.error or report.failed or not indexed_ok:
        sys.exit(1)


@main.command("config")
@click.option("--json", "as_json", is_flag=True, help="Uitvoer als JSON.")
@pass_context
def config_command(obj: Context, as_json):
    """Toon de geldende configuratie en waar elke waarde vandaan komt
    (standaard, bestand, omgeving of opdrachtregel)."""
    settings = obj.settings
    if as_json:
        rows = {k: {"value": v, "source": src} for k, v, src in config.describe(settings)}
        click.echo(json.dumps({"file": str(settings.file) if settings.file else None,
                               "settings": rows}, ensure_ascii=False, indent=2))
        return
    click.echo(config.format_settings(settings))


@main.command()
@click.option("--host", default=None, metavar="ADRES",
              help="Adres om op te luisteren (standaard: server.host, "
              "127.0.0.1; 0.0.0.0 voor het hele netwerk).")
@click.option("--port", type=click.IntRange(1, 65535), default=None, metavar="POORT",
              help="Poort (standaard: server.port, 8000).")
@pass_context
def serve(obj: Context, host, port):
    """Start de zoekpagina en de JSON-API op http://ADRES:POORT/.

    Voor productie: gunicorn -w 2 'web.wsgi:app' (met kamerzoek.toml of KAMERZOEK_INDEX).
    """
    from web import create_app

    settings = obj.settings.override("server.host", host).override("server.port", port)
    host, port = settings["server.host"], settings["server.port"]
    obj.searcher().close()  # refuse a missing or outdated index before starting
    click.echo(f"kamerzoek draait op http://{host}:{port}/ (stoppen met Ctrl+C)")
    app = create_app({"KAMERZOEK_INDEX": str(obj.index_dir),
                      "CORS_ORIGINS": [o.rstrip("/") for o in settings["cors.origins"]],
                      "KAMERZOEK_PAGE_SIZE": settings["search.page_size"],
                      "KAMERZOEK_SYNONYMS": settings["analysis.synonyms"]})
    app.run(host=host, port=port, debug=False, threaded=True)


def run() -> None:
    """The console script: main(), and then a quick exit."""
    try:
        main()
    finally:
        # The process ends here. Python's last act would be to walk every
        # object it still holds, looking for reference cycles; frozen, they
        # are left to the exit as they are. After an update of 1% of the
        # shared corpus that walk took 0.04-0.19 s (bench/run_build.py, which
        # stands in for this command, does the same).
        gc.freeze()


if __name__ == "__main__":
    run()
