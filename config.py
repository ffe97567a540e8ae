"""One configuration for every command: defaults < kamerzoek.toml < environment
< command line.

The file is `kamerzoek.toml` in the working directory, or the one named by
`--config FILE` or `$KAMERZOEK_CONFIG`. Keys are `name` or `section.name`;
every key can be overridden by an environment variable named
``KAMERZOEK_`` + the key in capitals with dots as underscores
(``server.port`` -> ``KAMERZOEK_SERVER_PORT``, ``index`` ->
``KAMERZOEK_INDEX``, ``cors.origins`` -> ``KAMERZOEK_CORS_ORIGINS``). Lists in
the environment are separated by commas (origins also by spaces). Relative
paths in the file are taken from the file's folder; elsewhere from the
working directory. An unknown key or a bad value is a `ConfigError` that names
the key and where it came from.
"""
from __future__ import annotations

import difflib
import math
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping
from urllib.parse import urlparse

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

FILENAME = "kamerzoek.toml"
ENV_PREFIX = "KAMERZOEK_"
CONFIG_ENV = "KAMERZOEK_CONFIG"

DEFAULT, FILE, ENV, COMMAND_LINE = "standaard", "bestand", "omgeving", "opdrachtregel"


class ConfigError(Exception):
    """A bad configuration; the message is Dutch and names the key."""


def _range(low=None, high=None, *, strict_low=False) -> Callable[[Any], str | None]:
    def check(value):
        if low is not None and (value <= low if strict_low else value < low):
            return f"moet {'groter dan' if strict_low else 'minstens'} {low} zijn"
        if high is not None and value > high:
            return f"mag hoogstens {high} zijn"
        return None
    return check


def _http_url(value: str) -> str | None:
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        return "moet een http(s)-adres zijn"
    return None


def _not_empty(value) -> str | None:
    return "mag niet leeg zijn" if not value or not all(str(v).strip() for v in value) else None


def _origins(values: list[str]) -> str | None:
    # A browser sends its Origin as scheme://host[:port]; anything more (a
    # path, a query) never matches, so the widget would silently fail.
    for value in values:
        if value == "*":
            continue
        parsed = urlparse(value)
        try:
            parsed.port
        except ValueError:
            return f"bevat {value!r}: ongeldig poortnummer"
        if (parsed.scheme not in ("http", "https") or not parsed.hostname
                or "@" in parsed.netloc or parsed.path not in ("", "/")
                or parsed.params or parsed.query or parsed.fragment):
            return (f"bevat {value!r}: geen origin; schrijf schema://host[:poort] zonder pad, "
                    "bijv. 'https://intranet.example', of '*' voor alle")
    return None


def _readable_text(path: Path) -> str | None:
    try:
        path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        return "bestaat niet"
    except IsADirectoryError:
        return "is een map, geen bestand"
    except PermissionError:
        return "mag niet gelezen worden (geen leesrechten)"
    except OSError:
        return "kan niet gelezen worden"
    except UnicodeDecodeError:
        return "is geen UTF-8-tekst"
    return None


@dataclass(frozen=True)
class Key:
    name: str
    kind: str            # str, int, float, path, paths, strings
    default: Any
    help: str
    check: Callable[[Any], str | None] | None = None
    optional: bool = False   # None (not set) is allowed
    # A folder that a build replaces as a whole: it must not be, or hold, the
    # folder its value is read against, or a build would replace that folder.
    replaced: bool = False

    @property
    def env(self) -> str:
        return ENV_PREFIX + self.name.upper().replace(".", "_")


KEYS = {key.name: key for key in [
    Key("index", "path", "kamerzoek-index", "Map van de index.", replaced=True),
    Key("corpus.folders", "paths", [],
        "Mappen met brieven voor 'kamerzoek index' zonder PATHS."),
    Key("analysis.synonyms", "path", None,
        "Synoniemenbestand (standaard: index/synonyms.txt van kamerzoek).", _readable_text,
        optional=True),
    Key("topics.threshold", "float", 0.5,
        "Minimale zekerheid van het onderwerpmodel (0-1).", _range(0, 1)),
    Key("search.page_size", "int", 10, "Resultaten per pagina (CLI en web).", _range(1, 100)),
    Key("search.cache_size", "int", 256,
        "Recente zoekantwoorden die een webserverproces bewaart (0 = geen).", _range(0, 100_000)),
    Key("server.host", "str", "127.0.0.1", "Adres van 'kamerzoek serve'.",
        lambda value: _not_empty([value])),
    Key("server.port", "int", 8000, "Poort van 'kamerzoek serve'.", _range(1, 65535)),
    Key("cors.origins", "strings", [],
        "Websites die de JSON-API vanuit de browser mogen gebruiken ('*' = alle).", _origins),
    Key("fetch.base_url", "str", "https://repository.overheid.nl/sru",
        "SRU-zoekdienst van KOOP.", _http_url),
    Key("fetch.rate", "float", 2.0, "Maximaal aantal verzoeken per seconde.",
        _range(0, strict_low=True)),
    Key("fetch.timeout", "float", 30.0, "Wachttijd per verzoek in seconden.",
        _range(0, strict_low=True)),
    Key("fetch.retries", "int", 4, "Nieuwe pogingen na een netwerk- of serverfout.",
        _range(0, 20)),
    Key("fetch.backoff", "float", 1.0,
        "Eerste wachttijd in seconden voor een nieuwe poging (verdubbelt elke keer).",
        _range(0)),
    Key("fetch.contact", "str", "", "Contact (e-mail of URL) in de User-Agent."),
    Key("fetch.out", "path", "kamerzoek-corpus", "Map voor opgehaalde Kamerstukken."),
    Key("fetch.page_size", "int", 100, "Records per SRU-verzoek.", _range(1, 1000)),
    Key("fetch.types", "strings", ["Brief regering"],
        "Soorten Kamerstuk die 'kamerzoek fetch' ophaalt: een waarde van KamerstukTypen "
        "(Brief, Motie, ...) of 'Brief regering' (een Brief met dat label in de titel); "
        "'alle' = elke soort.", _not_empty),
]}

_KIND_NAMES = {"str": "tekst", "int": "geheel getal", "float": "getal", "path": "pad",
               "paths": "lijst van paden", "strings": "lijst van teksten"}


@dataclass(frozen=True)
class Settings:
    values: Mapping[str, Any]
    sources: Mapping[str, str]   # key -> "standaard", "bestand", "omgeving (X)", ...
    file: Path | None

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    def source(self, name: str) -> str:
        return self.sources[name]

    def override(self, name: str, value: Any) -> "Settings":
        """The settings with one value from the command line (None: no change)."""
        if value is None:
            return self
        key, where = KEYS[name], f"{COMMAND_LINE} (sleutel '{name}')"
        value = _check(key, _convert(key, value, None, where), where)
        return Settings({**self.values, name: value}, {**self.sources, name: COMMAND_LINE},
                        self.file)


def load(path: str | Path | None = None, *, environ: Mapping[str, str] | None = None,
         cwd: Path | None = None) -> Settings:
    """Defaults, then the file, then the environment."""
    environ = os.environ if environ is None else environ
    cwd = Path.cwd() if cwd is None else Path(cwd)
    values = {name: _convert(key, key.default, None) for name, key in KEYS.items()}
    sources = {name: DEFAULT for name in KEYS}
    file = _find_file(path, environ, cwd)
    if file is not None:
        for name, value in _read_file(file).items():
            values[name], sources[name] = value, f"{FILE} ({file})"
    for name, key in KEYS.items():
        raw = environ.get(key.env)
        if raw is not None:
            values[name] = _from_env(key, raw, cwd)
            sources[name] = f"{ENV} ({key.env})"
    return Settings(values, sources, file)


def format_settings(settings: Settings) -> str:
    """The effective configuration as TOML-like lines, each with its source."""
    rows = describe(settings)
    width = max(len(name) for name, _, _ in rows)
    lines = [f"Configuratiebestand: {settings.file or f'geen (geen {FILENAME} hier)'}",
             "Omgevingsvariabele per sleutel: KAMERZOEK_ + sleutel in hoofdletters, punt wordt _"
             " (server.port: KAMERZOEK_SERVER_PORT).", ""]
    lines += [f"{name:<{width}} = {value}  # {source}" for name, value, source in rows]
    return "\n".join(lines)


def describe(settings: Settings) -> list[tuple[str, str, str]]:
    """(key, value as TOML, source) for every key, for `kamerzoek config`."""
    return [(name, show(settings[name]), settings.source(name)) for name in KEYS]


def show(value: Any) -> str:
    import json
    if value is None:
        return "(niet gezet)"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(show(v) for v in value) + "]"
    if isinstance(value, (Path, str)):
        return json.dumps(str(value), ensure_ascii=False)
    return str(value)


def _find_file(path, environ, cwd: Path) -> Path | None:
    if path is None and environ.get(CONFIG_ENV):
        path = environ[CONFIG_ENV]
    if path is not None:
        path = Path(path)
        path = path if path.is_absolute() else cwd / path
        if not path.is_file():
            raise ConfigError(f"Configuratiebestand {path} bestaat niet.")
        return path
    candidate = cwd / FILENAME
    return candidate if candidate.is_file() else None


def _read_file(file: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{file}: kan niet gelezen worden ({exc.strerror or exc}).") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{file}: geen UTF-8-tekst.") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{file}: ongeldige TOML ({exc}).") from None
    out = {}
    for name, value in _flatten(data):
        key = KEYS.get(name)
        if key is None:
            raise ConfigError(f"{file}: onbekende sleutel '{name}'{_suggest(name)}")
        where = f"{file}: sleutel '{name}'"
        out[name] = _check(key, _convert(key, value, file.parent, where), where)
    return out


def _flatten(data: dict, prefix: str = ""):
    for name, value in data.items():
        full = prefix + name
        if isinstance(value, dict) and not prefix and full not in KEYS:
            yield from _flatten(value, full + ".")
        else:
            yield full, value


def _suggest(name: str) -> str:
    close = difflib.get_close_matches(name, KEYS, n=1)
    hint = f"; bedoelt u '{close[0]}'?" if close else "."
    return f"{hint} Bekende sleutels: {', '.join(KEYS)}."


def _from_env(key: Key, raw: str, cwd: Path) -> Any:
    where = f"omgevingsvariabele {key.env}"
    raw = raw.strip()
    if key.kind in ("paths", "strings"):
        separators = r"[,\s]+" if key.name == "cors.origins" else ","
        value: Any = [part.strip() for part in re.split(separators, raw) if part.strip()]
    elif key.kind == "int":
        try:
            value = int(raw)
        except ValueError:
            raise ConfigError(f"{where}: '{raw}' is geen geheel getal.") from None
    elif key.kind == "float":
        try:
            value = float(raw)
        except ValueError:
            raise ConfigError(f"{where}: '{raw}' is geen getal.") from None
    else:
        value = (raw or None) if key.optional else raw
    return _check(key, _convert(key, value, cwd, where), where)


def _convert(key: Key, value: Any, base: Path | None, where: str = "") -> Any:
    """Type-check one value and make paths absolute against ``base``."""
    where = where or f"sleutel '{key.name}'"
    if value is None and key.optional:
        return None
    wrong = ConfigError(f"{where} moet een {_KIND_NAMES[key.kind]} zijn, niet {value!r}.")
    if key.kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise wrong
        return value
    if key.kind == "float":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise wrong
        # nan passes every comparison and inf breaks the socket timeout.
        if not math.isfinite(value):
            raise ConfigError(f"{where}: {value!r} is geen eindig getal.")
        return float(value)
    if key.kind in ("str", "path"):
        if not isinstance(value, (str, Path)):
            raise wrong
        if key.kind == "str":
            return value
        path = _path(value, base, where)
        if key.replaced:
            _refuse_enclosing(path, base or Path.cwd(), where)
        return path
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, (str, Path)) for v in value):
        raise wrong
    return [_path(v, base, where) for v in value] if key.kind == "paths" else list(value)


def _path(value, base: Path | None, where: str) -> Path:
    # Path("") is ".", the working directory or the file's folder: never what
    # an empty value meant.
    if not str(value).strip():
        raise ConfigError(f"{where}: een leeg pad is niet toegestaan; geef een map of bestand op.")
    path = Path(value).expanduser()
    return base / path if base is not None and not path.is_absolute() else path


def _refuse_enclosing(path: Path, base: Path, where: str) -> None:
    target, around = path.resolve(), base.resolve()
    if target == around or target in around.parents:
        raise ConfigError(f"{where}: {str(path)!r} is de map {around} zelf of een map daarboven; "
                          "kies een eigen map voor de index (bijv. 'kamerzoek-index').")


def _check(key: Key, value: Any, where: str) -> Any:
    problem = key.check(value) if key.check and value is not None else None
    if problem:
        shown = repr(str(value)) if isinstance(value, Path) else repr(value)
        raise ConfigError(f"{where}: {shown} {problem}.")
    return value
