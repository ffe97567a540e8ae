"""Shared fixtures: the real corpus, and one real index built once per run."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def corpus_path() -> Path:
    path = Path(os.environ.get("KAMERZOEK_CORPUS", ROOT.parent / "shared" / "corpus"))
    if not (path / "kst-xml").is_dir():
        pytest.fail(f"Real corpus not found at {path}: set KAMERZOEK_CORPUS "
                    "(the tests run on the real documents, never on stand-ins)")
    return path


@pytest.fixture(scope="session")
def corpus() -> Path:
    return corpus_path()


@pytest.fixture(scope="session")
def index_dir(tmp_path_factory, corpus) -> Path:
    """The two modern letters and every KOOP XML Kamerstuk, indexed."""
    from index.builder import build_index

    target = tmp_path_factory.mktemp("index") / "ix"
    report = build_index([corpus / "letters", corpus / "kst-xml"], target, procs=2)
    assert not report.failed, report.failed
    return target


@pytest.fixture
def small_index(tmp_path, corpus):
    """count -> (a folder with the first `count` KOOP XML files of the
    corpus, their index), in this test's own folder."""
    def make(count: int):
        from index.builder import build_index

        letters = tmp_path / "letters"
        letters.mkdir()
        for source in sorted((corpus / "kst-xml").glob("*.xml"))[:count]:
            shutil.copy2(source, letters / source.name)
        index_dir = tmp_path / "ix"
        build_index([letters], index_dir, procs=1)
        return letters, index_dir
    return make


@pytest.fixture(scope="session")
def searcher(index_dir):
    from search import Searcher

    with Searcher(index_dir) as s:
        yield s


@pytest.fixture
def clean_config_env(monkeypatch, tmp_path):
    """No kamerzoek settings from the environment or a kamerzoek.toml in the
    working directory: each test states the configuration it needs."""
    import config

    for key in config.KEYS.values():
        monkeypatch.delenv(key.env, raising=False)
    monkeypatch.delenv(config.CONFIG_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
