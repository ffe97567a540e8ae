"""The command line, through click's CliRunner, on real letters."""
import json
import marshal
import re
import shutil

import pytest
from click.testing import CliRunner

from cli import main


@pytest.fixture
def run(index_dir):
    runner = CliRunner()

    def invoke(*args, index=index_dir):
        return runner.invoke(main, ["--index", str(index), *args], catch_exceptions=False)
    return invoke


def test_search_shows_hits_snippets_and_facets(run):
    result = run("search", "autonome", "wapens", "--year", "2019")
    assert result.exit_code == 0, result.output
    assert "Kamerstuk 33 694, nr. 45 · 13 mei 2019 · Brief regering" in result.output
    # Matches are marked with brackets outside a terminal (wapens, or the
    # compound wapensystemen, which holds it).
    assert re.search(r"\[autonome\] \[wapen\w*\]", result.output)
    assert "Jaar: 2019 (1)" in result.output
    # The dossier's number with its title, as the letter gives it.
    assert re.search(r"Dossier: 33694 – \S.* \(1\)", result.output)
    assert "kst-33694-45" in result.output


def test_search_json_has_the_shared_shape(run):
    result = run("search", "drones", "-defensie", "--limit", "3", "--json")
    data = json.loads(result.output)
    assert data["query"] == "drones -defensie" and data["per_page"] == 3
    assert len(data["hits"]) == 3 and data["total"] > 3
    assert set(data["facets"]) == {"year", "dossier", "topic", "doc_type", "sender"}
    assert data["facets_truncated"] == {}  # a few dossiers: shown whole
    # Cut to 30 values, and saying so with the number there are.
    broad = json.loads(run("search", "zorg", "--json").output)
    assert len(broad["facets"]["dossier"]) == 30 < broad["facets_truncated"]["dossier"]
    assert "year" not in broad["facets_truncated"]


def test_search_lines_mark_inferred_topics_as_show_does(run):
    # kst-33694-45 has no topic of its own: the classifier gave one.
    shown = json.loads(run("show", "kst-33694-45", "--json").output)
    assert shown["topic_source"] == "model"
    inferred = f"{', '.join(shown['topics'])} (afgeleid: model)"
    assert inferred in run("show", "kst-33694-45").output
    lines = run("search", "autonome", "wapens", "--year", "2019").output.splitlines()
    assert f"     Minister van Buitenlandse Zaken · {inferred}" in lines
    # A motie whose KOOP metadata gives its topic.
    assert run("show", "kst-34104-439", "--json").output.count('"topic_source": "metadata"') == 1
    given = run("search", "kst-34104-439", "--limit", "1").output
    assert "Zorg en gezondheid" in given and "afgeleid" not in given


def test_search_filters_and_sort(run):
    result = run("search", "zorg", "--type", "Motie", "--sort", "date", "--json")
    data = json.loads(result.output)
    assert all(hit["doc_type"] == "Motie" for hit in data["hits"])
    dates = [hit["date"] for hit in data["hits"]]
    assert dates == sorted(dates, reverse=True)


def test_bad_query_is_a_message_not_a_traceback(run):
    result = run("search", "jaar:abc")
    assert result.exit_code == 1
    assert "'abc' is geen jaar" in result.output
    assert "Traceback" not in result.output


def test_show(run):
    result = run("show", "kst-33694-45")
    assert result.exit_code == 0
    assert "Kamerstuk 33 694, nr. 45" in result.output
    assert "Vergaderjaar:  2018-2019" in result.output
    assert "Minister van Buitenlandse Zaken" in result.output
    data = json.loads(run("show", "kst-33694-45", "--json").output)
    assert data["date"] == "2019-05-13" and data["dossier"] == "33694"


def test_show_unknown_id(run):
    result = run("show", "kst-1-1")
    assert result.exit_code == 1
    assert "Geen brief met id 'kst-1-1'" in result.output


def test_stats_and_export(run):
    stats = json.loads(run("stats", "--json").output)
    assert stats["letters"] > 7000
    assert stats["manifest"]["analysis"]["stemmer"] == "snowball dutch"
    lines = run("export").output.splitlines()
    assert len(lines) == stats["letters"]
    assert {json.loads(line)["id"] for line in lines} >= {"kst-33694-45"}


def test_missing_index_says_how_to_build_one(run, tmp_path):
    result = run("search", "x", index=tmp_path / "leeg")
    assert result.exit_code == 1
    assert "Geen index gevonden" in result.output and "kamerzoek index" in result.output


def test_index_command_reports_failures_and_exits_non_zero(corpus, tmp_path):
    folder = tmp_path / "brieven"
    shutil.copytree(corpus / "letters", folder)
    (folder / "kapot.xml").write_text("<officiele-publicatie>", encoding="utf-8")
    result = CliRunner().invoke(main, ["--index", str(tmp_path / "ix"), "index", str(folder)])
    assert result.exit_code == 1
    assert "kapot.xml: ongeldige XML" in result.output
    assert "2 toegevoegd" in result.output and "1 mislukt" in result.output
    assert "De index bevat 2 documenten" in result.output


def test_index_command_says_why_an_update_reads_every_file_again(corpus, tmp_path, monkeypatch):
    from corpus import files
    from index import file_states
    folder, index_dir = corpus / "letters", tmp_path / "ix"
    with monkeypatch.context() as revision_1:   # as tests/test_builder.py makes one
        revision_1.setattr(files, "_REVISION_TAG", b"")
        revision_1.setattr(file_states, "save", lambda index_dir, states: (
            index_dir / file_states.FILENAME).write_bytes(marshal.dumps(states)))
        first = CliRunner().invoke(main, ["--index", str(index_dir), "index", str(folder)])
        assert first.exit_code == 0
    result = CliRunner().invoke(main, ["--index", str(index_dir), "index", str(folder)])
    assert result.exit_code == 0
    assert "alle bestanden zijn opnieuw gelezen en bijgewerkt" in result.output
    assert "2 bijgewerkt" in result.output
    again = CliRunner().invoke(main, ["--index", str(index_dir), "index", str(folder)])
    assert "opnieuw gelezen" not in again.output and "2 ongewijzigd" in again.output


def test_index_env_variable(corpus, tmp_path, monkeypatch):
    monkeypatch.setenv("KAMERZOEK_INDEX", str(tmp_path / "env-ix"))
    runner = CliRunner()
    assert runner.invoke(main, ["index", str(corpus / "letters")]).exit_code == 0
    result = runner.invoke(main, ["search", "massavernietigingswapens"])
    assert "1 document gevonden" in result.output


def test_search_offers_a_suggestion_and_names_synonyms(run):
    typo = run("search", "autonmoe", "wapenz")
    assert 'Bedoelde u: "autonome wapens"?' in typo.output
    ai = run("search", "AI", "--limit", "1", "--explain")
    assert "Ook gezocht op: kunstmatige intelligentie" in ai.output
    assert re.search(r"\d+\.\d  .+ \((woord|zinsdeel|woorddeel|nabijheid), (tekst|titel)", ai.output)


ENGLISH = ("Error:", "Usage:", "Invalid value", "Try '", "Missing", "No such", "Got unexpected",
           "Show this message", "Options:", "default:", "Aborted")


def kamerzoek(*args):
    return CliRunner().invoke(main, args, prog_name="kamerzoek")


@pytest.mark.parametrize("args, dutch", [
    (["search", "--page", "0", "x"],
     "Fout: Ongeldige waarde voor '--page': 0 valt niet binnen 1<=x<=10000."),
    (["search", "--limit", "veel"], "Ongeldige waarde voor '--limit': 'veel' is geen geldig getal."),
    (["search", "--sort", "titel"], "'titel' is niet een van 'relevance', 'date', 'date_asc'."),
    (["show"], "Fout: Ontbrekend argument 'ID'."),
    (["zoek", "wapens"], "Fout: Onbekende opdracht 'zoek'."),
    (["serch"], "(Bedoelde u een van: 'fetch', 'search', 'serve'?)"),
    (["stats", "extra"], "Fout: Onverwacht extra argument (extra)"),
    (["show", "--kleur", "kst-1-1"], "Fout: Onbekende optie '--kleur'."),
    (["search", "--year"], "Fout: Optie '--year' heeft een waarde nodig."),
    (["stats", "--json=ja"], "Fout: Optie '--json' neemt geen waarde."),
])
def test_click_errors_are_dutch(tmp_path, args, dutch):
    result = kamerzoek("--index", str(tmp_path / "ix"), *args)
    assert result.exit_code == 2
    assert dutch in result.output
    assert not [word for word in ENGLISH if word in result.output], result.output


def test_usage_errors_show_the_dutch_usage_line(tmp_path):
    result = kamerzoek("--index", str(tmp_path / "ix"), "search", "--page", "0", "x")
    assert result.output.startswith("Gebruik: kamerzoek search [OPTIES] [ZOEKWOORDEN]...\n"
                                     "Zie 'kamerzoek search --help' voor hulp.\n")


def test_directory_as_config_file_is_dutch(tmp_path):
    result = kamerzoek("--config", str(tmp_path), "stats")
    assert f"Bestand '{tmp_path}' is een map." in result.output
    assert not [word for word in ENGLISH if word in result.output], result.output


def test_own_errors_have_the_dutch_prefix(tmp_path):
    result = kamerzoek("--index", str(tmp_path / "leeg"), "stats")
    assert result.exit_code == 1 and result.output.startswith("Fout: Geen index gevonden")


def test_interrupt_says_afgebroken(tmp_path, monkeypatch):
    def interrupted(self):
        raise KeyboardInterrupt
    monkeypatch.setattr("cli.Context.searcher", interrupted)
    result = kamerzoek("--index", str(tmp_path), "stats")
    assert result.exit_code == 1 and result.output.strip() == "Afgebroken."


@pytest.mark.parametrize("command", ["", "index", "search", "show", "stats", "export", "fetch",
                                     "config", "serve"])
@pytest.mark.parametrize("flag", ["-h", "--help"])
def test_help_is_dutch_on_every_command(command, flag):
    result = kamerzoek(*filter(None, [command]), flag)
    assert result.exit_code == 0
    assert result.output.startswith("Gebruik: kamerzoek ") and "[OPTIES]" in result.output
    assert "Opties:" in result.output and "-h, --help" in result.output
    assert "Toon deze hulp en stop." in result.output
    assert not [word for word in ENGLISH if word in result.output], result.output
    # click's type names (TEXT, INTEGER RANGE, ...) would show where no Dutch placeholder is set.
    assert not re.search(r"\b(TEXT|INTEGER|FLOAT|RANGE|FILENAME|DIRECTORY|FILE|PATH)\b",
                         result.output), result.output


def test_defaults_in_help_are_dutch():
    result = kamerzoek("search", "--help")
    assert re.search(r"\[standaard:\s+relevance\]", result.output)
    assert re.search(r"\[standaard: 1;\s+1<=x<=10000\]", result.output)


def _total(run, *args):
    result = run("search", *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)["total"]


@pytest.mark.parametrize("option, typed, exact, query", [
    ("--topic", "internationaal", "Internationaal", "onderwerp:internationaal"),
    ("--type", "motie", "Motie", "soort:motie"),
    ("--topic", "ZORG EN GEZONDHEID", "Zorg en gezondheid", 'onderwerp:"zorg en gezondheid"'),
])
def test_filter_options_ignore_case_like_the_query_language(run, option, typed, exact, query):
    total = _total(run, option, exact)
    assert total > 0
    assert _total(run, option, typed) == total == _total(run, query)


def test_filter_option_with_part_of_a_value(run):
    # "zorg" holds for "Zorg en gezondheid", as onderwerp:zorg does.
    assert _total(run, "--topic", "zorg") == _total(run, "onderwerp:zorg") > 0
    senders = _total(run, "--sender", "minister van buitenlandse zaken")
    assert senders == _total(run, "--sender", "Minister van Buitenlandse Zaken") > 0


def test_sender_option_finds_a_co_signer(run):
    # "M.H. Bikker; D.G.M. Ceder" is found by either person, not by the pair;
    # read from the heading, "Ceder en Stoffer" counts for Ceder too, and so
    # does a motie KOOP names "D.G.M. Ceder".
    ceder = _total(run, "--sender", "D.G.M. Ceder")
    assert ceder > 200
    assert _total(run, "--sender", "ceder") == ceder
    assert _total(run, "afzender:ceder") >= ceder
    assert run("search", "--sender", "M.H. Bikker; D.G.M. Ceder").exit_code == 1


def test_filter_option_values_are_or_ed(run):
    both = _total(run, "--type", "motie", "--type", "brief regering")
    assert both == _total(run, "--type", "Motie") + _total(run, "--type", "Brief regering")


def test_unknown_filter_value_is_an_error_not_an_empty_result(run):
    result = run("search", "--topic", "onzin")
    assert result.exit_code == 1
    assert result.output.startswith("Fout: Geen onderwerp 'onzin' in de index. Bekend: ")
    assert "Internationaal" in result.output
    result = run("search", "--sender", "niemand")
    assert result.exit_code == 1
    assert result.output.strip() == "Fout: Geen afzender 'niemand' in de index."


@pytest.mark.parametrize("typed", [["33 694, nr. 45"], ["33694-45"], ["KST-33694-45"],
                                   ["Kamerstuk 33 694, nr. 45"], ["33", "694,", "nr.", "45"]])
def test_show_takes_every_identifier_form_search_takes(run, typed):
    result = run("show", *typed, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["id"] == "kst-33694-45"


def test_show_a_letter_without_kamerstuk_by_its_own_id(run):
    letter = next(json.loads(line) for line in run("export").output.splitlines()
                  if json.loads(line)["kamerstuk"] is None)
    assert json.loads(run("show", letter["id"], "--json").output)["id"] == letter["id"]


def test_page_past_the_last_says_so(run):
    result = run("search", "drones", "--limit", "100", "--page", "500")
    assert result.exit_code == 0
    pages = -(-_total(run, "drones") // 100)
    last = "er is maar 1 pagina" if pages == 1 else f"de laatste is pagina {pages}"
    assert f"Pagina 500 bestaat niet: {last}." in result.output
    assert "pagina 500 van" not in result.output


def test_export_to_a_folder_that_does_not_exist_is_dutch(run, tmp_path):
    result = run("export", "-o", str(tmp_path / "weg" / "brieven.jsonl"))
    assert result.exit_code == 1
    assert result.output.strip() == (f"Fout: Kan '{tmp_path / 'weg' / 'brieven.jsonl'}' niet "
                                     "schrijven (bestand of map bestaat niet).")


def test_export_to_a_file(run, tmp_path):
    target = tmp_path / "brieven.jsonl"
    assert run("export", "-o", str(target)).exit_code == 0
    lines = target.read_text(encoding="utf-8").splitlines()
    assert len(lines) == json.loads(run("stats", "--json").output)["letters"]


def test_export_without_an_index_leaves_an_earlier_file(tmp_path):
    earlier = tmp_path / "brieven.jsonl"
    earlier.write_text('{"id": "x"}\n', encoding="utf-8")
    result = kamerzoek("--index", str(tmp_path / "leeg"), "export", "-o", str(earlier))
    assert result.exit_code == 1 and "Geen index gevonden" in result.output
    assert earlier.read_text(encoding="utf-8") == '{"id": "x"}\n'


@pytest.mark.parametrize("args, code", [(["--version"], 0), (["--bogus"], 2)])
def test_console_script_keeps_the_exit_code_and_skips_the_last_cycle_walk(args, code):
    """cli.run (the installed `kamerzoek`) ends as main() does, with its exit
    code, and leaves the objects it holds frozen for the exit (gc.freeze):
    Python would otherwise walk them all once more on the way out."""
    import subprocess
    import sys
    from pathlib import Path

    program = ("import atexit, gc, sys, cli; "
               "atexit.register(lambda: print('frozen:', gc.get_freeze_count() > 0)); "
               f"sys.argv = ['kamerzoek', *{args!r}]; cli.run()")
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parent.parent)
    assert done.returncode == code
    assert "frozen: True" in done.stdout
