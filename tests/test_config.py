"""kamerzoek.toml, KAMERZOEK_* variables and the command line, in that order
of precedence; mistakes are messages that name the key."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import config
from cli import main


pytestmark = pytest.mark.usefixtures("clean_config_env")


def write(tmp_path: Path, text: str, name: str = "kamerzoek.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def effective(*args) -> dict:
    result = CliRunner().invoke(main, [*args, "config", "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)["settings"]


def test_precedence_command_line_env_file_default(tmp_path, monkeypatch):
    assert effective()["index"] == {"value": '"kamerzoek-index"', "source": "standaard"}

    toml = write(tmp_path, 'index = "uit-bestand"\n[server]\nport = 8100\n')
    settings = effective()
    assert settings["index"]["value"] == json.dumps(str(tmp_path / "uit-bestand"))
    assert settings["index"]["source"] == f"bestand ({toml})"
    assert settings["server.port"] == {"value": "8100", "source": f"bestand ({toml})"}

    monkeypatch.setenv("KAMERZOEK_INDEX", "uit-omgeving")
    monkeypatch.setenv("KAMERZOEK_SERVER_PORT", "8200")
    settings = effective()
    assert settings["index"]["source"] == "omgeving (KAMERZOEK_INDEX)"
    assert settings["server.port"] == {"value": "8200", "source":
                                       "omgeving (KAMERZOEK_SERVER_PORT)"}

    settings = effective("--index", "van-de-opdrachtregel")
    assert settings["index"] == {"value": '"van-de-opdrachtregel"', "source": "opdrachtregel"}
    assert settings["server.port"]["value"] == "8200"


def test_config_output_lists_every_key_with_its_source(tmp_path, monkeypatch):
    toml = write(tmp_path, '[cors]\norigins = ["https://intranet.example"]\n'
                           '[fetch]\ncontact = "beheer@example.org"\n')
    monkeypatch.setenv("KAMERZOEK_FETCH_RATE", "0.5")
    result = CliRunner().invoke(main, ["config"])
    assert result.exit_code == 0, result.output
    assert f"Configuratiebestand: {toml}" in result.output
    assert "KAMERZOEK_SERVER_PORT" in result.output   # the naming rule is explained
    lines = {line.split(" =")[0].strip(): line for line in result.output.splitlines()
             if " = " in line}
    assert set(lines) == set(config.KEYS)
    assert lines["cors.origins"].endswith(f'["https://intranet.example"]  # bestand ({toml})')
    assert lines["fetch.rate"].endswith("0.5  # omgeving (KAMERZOEK_FETCH_RATE)")
    assert lines["server.host"].endswith('"127.0.0.1"  # standaard')


def test_config_option_and_variable_choose_the_file(tmp_path, monkeypatch):
    other = write(tmp_path, "[search]\npage_size = 25\n", "elders.toml")
    assert effective("--config", str(other))["search.page_size"]["value"] == "25"
    monkeypatch.setenv("KAMERZOEK_CONFIG", str(other))
    assert effective()["search.page_size"]["source"] == f"bestand ({other})"
    result = CliRunner().invoke(main, ["--config", "weg.toml", "config"])
    assert result.exit_code == 1 and "weg.toml bestaat niet" in result.output


@pytest.mark.parametrize("text, expected", [
    ("[server]\nprot = 8000\n", "onbekende sleutel 'server.prot'; bedoelt u 'server.port'?"),
    ("colour = 1\n", "onbekende sleutel 'colour'. Bekende sleutels: index, corpus.folders,"),
    ("[server]\nport = -1\n", "sleutel 'server.port': -1 moet minstens 1 zijn"),
    ("[server]\nport = \"acht\"\n", "sleutel 'server.port' moet een geheel getal zijn"),
    ("[fetch]\nrate = 0\n", "sleutel 'fetch.rate': 0.0 moet groter dan 0 zijn"),
    ("[fetch]\nbase_url = \"ftp://x\"\n", "sleutel 'fetch.base_url'"),
    ("[corpus]\nfolders = \"brieven\"\n", "'corpus.folders' moet een lijst van paden zijn"),
    ("[server\nport = 1\n", "ongeldige TOML"),
    ("[topics]\nthreshold = nan\n", "sleutel 'topics.threshold': nan is geen eindig getal"),
    ("[fetch]\nbackoff = nan\n", "sleutel 'fetch.backoff': nan is geen eindig getal"),
    ("[fetch]\ntimeout = inf\n", "sleutel 'fetch.timeout': inf is geen eindig getal"),
    ("[server]\nhost = \"\"\n", "sleutel 'server.host': '' mag niet leeg zijn"),
    ("[fetch]\ntypes = []\n", "sleutel 'fetch.types': [] mag niet leeg zijn"),
    ("[cors]\norigins = [\"https://intranet.example/zoek\"]\n",
     "bevat 'https://intranet.example/zoek': geen origin"),
    ("[cors]\norigins = [\"intranet.example\"]\n", "bevat 'intranet.example': geen origin"),
    ("[cors]\norigins = [\"https://intranet.example:99999\"]\n", "ongeldig poortnummer"),
    ("[analysis]\nsynonyms = \"weg.txt\"\n", "sleutel 'analysis.synonyms': '"),
])
def test_bad_file_names_the_key_and_the_file(tmp_path, text, expected):
    toml = write(tmp_path, text)
    result = CliRunner().invoke(main, ["config"])
    assert result.exit_code == 1
    assert expected in result.output and str(toml) in result.output
    assert "Traceback" not in result.output


def test_bad_environment_value_names_the_variable(monkeypatch):
    monkeypatch.setenv("KAMERZOEK_SERVER_PORT", "achtduizend")
    result = CliRunner().invoke(main, ["search", "wapens"])
    assert result.exit_code == 1
    assert "omgevingsvariabele KAMERZOEK_SERVER_PORT: 'achtduizend' is geen geheel getal" \
        in result.output


def test_help_works_even_with_a_broken_file(tmp_path):
    write(tmp_path, "onzin = 1\n")
    result = CliRunner().invoke(main, ["search", "--help"])
    assert result.exit_code == 0 and "Zoek in de index" in result.output


def test_index_without_paths_uses_corpus_folders(tmp_path, corpus):
    write(tmp_path, f'index = "ix"\n[corpus]\nfolders = ["{corpus / "letters"}"]\n')
    result = CliRunner().invoke(main, ["index"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "2 toegevoegd" in result.output and str(tmp_path / "ix") in result.output
    result = CliRunner().invoke(main, ["--config", str(write(tmp_path, "", "leeg.toml")),
                                       "index"])
    assert result.exit_code == 2 and "corpus.folders" in result.output


def test_search_page_size_from_the_file(tmp_path, corpus):
    write(tmp_path, 'index = "ix"\n[search]\npage_size = 1\n')
    CliRunner().invoke(main, ["index", str(corpus / "letters")], catch_exceptions=False)
    result = CliRunner().invoke(main, ["search", "--json"], catch_exceptions=False)
    assert json.loads(result.output)["per_page"] == 1


def test_serve_and_create_app_take_their_settings(tmp_path, corpus, monkeypatch):
    write(tmp_path, 'index = "ix"\n[server]\nhost = "127.0.0.2"\nport = 8123\n'
                    '[cors]\norigins = ["https://intranet.example/"]\n'
                    '[search]\npage_size = 7\n')
    CliRunner().invoke(main, ["index", str(corpus / "letters")], catch_exceptions=False)
    import flask
    calls = []
    monkeypatch.setattr(flask.Flask, "run", lambda app, **kw: calls.append((app, kw)))
    result = CliRunner().invoke(main, ["serve"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    app, options = calls[0]
    assert (options["host"], options["port"]) == ("127.0.0.2", 8123)
    assert app.config["CORS_ORIGINS"] == ["https://intranet.example"]
    CliRunner().invoke(main, ["serve", "--port", "9000"], catch_exceptions=False)
    assert calls[1][1]["port"] == 9000

    from web import create_app
    app = create_app()   # as web.wsgi does: kamerzoek.toml in the working directory
    assert app.config["KAMERZOEK_INDEX"] == str(tmp_path / "ix")
    assert app.config["CORS_ORIGINS"] == ["https://intranet.example"]
    assert app.config["KAMERZOEK_PAGE_SIZE"] == 7
    monkeypatch.setenv("KAMERZOEK_CORS_ORIGINS", "https://a.example https://b.example")
    assert create_app().config["CORS_ORIGINS"] == ["https://a.example", "https://b.example"]
    assert create_app({"CORS_ORIGINS": ["*"]}).config["CORS_ORIGINS"] == ["*"]


def test_topic_threshold_default_matches_the_model():
    from index.topics import TopicModel
    assert config.KEYS["topics.threshold"].default == TopicModel.threshold


def test_page_size_and_synonyms_reach_the_web_and_the_search(index_dir, tmp_path):
    """search.page_size and analysis.synonyms are not just read: the web's
    default page and the query expansion follow them."""
    from web import create_app

    synonyms = tmp_path / "synoniemen.txt"
    synonyms.write_text("stikstof, blauwalgpiek\n", encoding="utf-8")
    app = create_app({"KAMERZOEK_INDEX": str(index_dir), "KAMERZOEK_PAGE_SIZE": 3,
                      "KAMERZOEK_SYNONYMS": str(synonyms), "TESTING": True})
    data = app.test_client().get("/api/search?q=blauwalgpiek").get_json()
    assert data["per_page"] == 3 and len(data["hits"]) == 3
    assert data["expansions"] == ["stikstof"]

    (tmp_path / "kamerzoek.toml").write_text(
        f'index = "{index_dir}"\n[analysis]\nsynonyms = "{synonyms}"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["search", "blauwalgpiek", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["expansions"] == ["stikstof"]


@pytest.mark.parametrize("text", ['index = ""\n', 'index = "."\n', 'index = "./"\n',
                                  'index = ".."\n', 'index = "/"\n'])
def test_index_that_is_the_config_folder_or_above_is_refused(tmp_path, text):
    """A build replaces the index folder: an empty or '.' index would replace
    the folder of kamerzoek.toml (or a folder around it)."""
    toml = write(tmp_path, text)
    (tmp_path / "brief.txt").write_text("Een brief die moet blijven.\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["index", str(tmp_path)])
    assert result.exit_code == 1, result.output
    assert f"{toml}: sleutel 'index'" in result.output and "Traceback" not in result.output
    assert (tmp_path / "brief.txt").is_file() and (tmp_path / "kamerzoek.toml").is_file()


@pytest.mark.parametrize("value", ["", " ", "."])
def test_empty_index_in_the_environment_or_on_the_command_line_is_refused(
        tmp_path, monkeypatch, value):
    (tmp_path / "brief.txt").write_text("Een brief die moet blijven.\n", encoding="utf-8")
    monkeypatch.setenv("KAMERZOEK_INDEX", value)
    result = CliRunner().invoke(main, ["index", str(tmp_path)])
    assert result.exit_code == 1, result.output
    assert "omgevingsvariabele KAMERZOEK_INDEX:" in result.output
    monkeypatch.delenv("KAMERZOEK_INDEX")
    result = CliRunner().invoke(main, ["--index", value, "index", str(tmp_path)])
    assert result.exit_code == 1, result.output
    assert "opdrachtregel (sleutel 'index')" in result.output
    assert (tmp_path / "brief.txt").is_file()


def test_empty_paths_are_refused_for_every_path_key(tmp_path):
    for text, key in [('[corpus]\nfolders = ["brieven", ""]\n', "corpus.folders"),
                      ('[fetch]\nout = ""\n', "fetch.out")]:
        toml = write(tmp_path, text)
        result = CliRunner().invoke(main, ["config"])
        assert result.exit_code == 1
        assert f"{toml}: sleutel '{key}': een leeg pad is niet toegestaan" in result.output


@pytest.mark.parametrize("variable, value", [("KAMERZOEK_FETCH_TIMEOUT", "inf"),
                                             ("KAMERZOEK_FETCH_RATE", "nan"),
                                             ("KAMERZOEK_TOPICS_THRESHOLD", "-nan")])
def test_non_finite_numbers_from_the_environment_are_refused(monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    result = CliRunner().invoke(main, ["config"])
    assert result.exit_code == 1
    assert f"omgevingsvariabele {variable}: " in result.output
    assert "geen eindig getal" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("content, problem", [(None, "bestaat niet"),
                                              ("map", "is een map, geen bestand"),
                                              (b"AI, kunstmatige intelligentie\n\xff\xfe",
                                               "is geen UTF-8-tekst")])
def test_synonyms_file_that_cannot_be_read_names_key_and_file(tmp_path, content, problem):
    target = tmp_path / "synoniemen.txt"
    if content == "map":
        target.mkdir()
    elif content is not None:
        target.write_bytes(content)
    write(tmp_path, '[analysis]\nsynonyms = "synoniemen.txt"\n')
    result = CliRunner().invoke(main, ["config"])
    assert result.exit_code == 1
    assert f"sleutel 'analysis.synonyms': '{target}' {problem}." in result.output
    assert "No such file" not in result.output and "Errno" not in result.output


def test_origins_that_a_browser_sends_are_accepted(tmp_path):
    write(tmp_path, '[cors]\norigins = ["https://intranet.example/", "http://10.0.0.5:8080",'
                    ' "*"]\n')
    assert effective()["cors.origins"]["value"] == \
        '["https://intranet.example/", "http://10.0.0.5:8080", "*"]'
