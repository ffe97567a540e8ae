"""How well are hidden topics recovered? Cross-validation over the labelled
KOOP XML letters, plus coverage of the letters that carry no topic.

    /tmp/venv/bin/python bench/topic_accuracy.py [--corpus DIR] [--seed N]

Three experiments, each 5-fold, the labels of the held-out fold hidden:

* letters: folds by letter, as in the index (the other letters of a dossier
  are usually labelled), dossier step on; the unlabelled letters of the
  corpus are left out, since they teach the model nothing;
* classifier: the same folds, dossier step off: the classifier alone, while
  it has seen other letters of the same dossier;
* new dossiers: folds by dossier, so no letter of a held-out dossier was
  seen: the honest estimate for letters of unknown dossiers, such as old
  OCR scans. The model's hyperparameters were chosen on this experiment
  for the dossiers of the "tuning" half only; the "untouched" half shows
  whether that choice carries over.

A prediction is "right" when every predicted theme is one of the letter's
true top-level themes, "strict" when the two sets are equal.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
import zlib
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from corpus.errors import ReadError  # noqa: E402
from corpus.files import discover, read_letter  # noqa: E402
from index.topics import GIVEN_SOURCES, TopicModel  # noqa: E402

FOLDS = 5
THRESHOLDS = (0.0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
RESULTS = ROOT / "bench" / "results" / "topic_accuracy.json"


def main() -> None:
    args = parse_args()
    corpus = Path(args.corpus)
    started = time.perf_counter()
    xml = read_all(corpus / "kst-xml")
    print(f"read {len(xml)} KOOP XML letters in {time.perf_counter() - started:.1f} s")
    labelled = [l for l in xml if l.topic_source in GIVEN_SOURCES and l.topics]
    unlabelled = [l for l in xml if not (l.topic_source in GIVEN_SOURCES and l.topics)]
    print(f"{len(labelled)} labelled, {len(unlabelled)} without topic\n")

    results = {"corpus": str(corpus), "labelled": len(labelled),
               "threshold": TopicModel.threshold}
    by_letter = make_folds(labelled, key=lambda l: l.id, seed=args.seed)
    by_dossier = make_folds(labelled, key=dossier_key, seed=args.seed)
    results["letters"] = evaluate(cross_validate(by_letter, use_dossier=True))
    results["classifier"] = evaluate(cross_validate(by_letter, use_dossier=False))
    new_dossiers = cross_validate(by_dossier, use_dossier=False)
    results["new_dossiers"] = evaluate(new_dossiers)
    results["new_dossiers_by_half"] = {
        half: evaluate([r for r in new_dossiers if r["half"] == half])
        for half in ("tuning", "untouched")}
    results["new_dossiers_thresholds"] = threshold_curve(new_dossiers)
    print_tables(results)

    results["coverage"] = coverage(labelled, unlabelled, corpus, args.seed)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n",
                       encoding="utf-8")
    print(f"\nwritten {RESULTS.relative_to(ROOT)} ({time.perf_counter() - started:.0f} s in all)")


def parse_args() -> argparse.Namespace:
    default = os.environ.get("KAMERZOEK_CORPUS") or str(ROOT.parent / "shared" / "corpus")
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", default=default, help=f"corpus folder (default {default})")
    parser.add_argument("--seed", type=int, default=0, help="fold shuffle and sample seed")
    return parser.parse_args()


def read_all(folder: Path) -> list:
    letters = []
    for path in discover([folder]):
        try:
            letters.append(read_letter(path))
        except ReadError:
            pass    # not a letter or unreadable: nothing to measure
    return letters


def dossier_key(letter) -> str:
    return letter.dossier or letter.id


def make_folds(letters: list, key, seed: int) -> list[list]:
    keys = sorted({key(l) for l in letters})
    random.Random(seed).shuffle(keys)
    fold_of = {k: i % FOLDS for i, k in enumerate(keys)}
    folds: list[list] = [[] for _ in range(FOLDS)]
    for letter in letters:
        folds[fold_of[key(letter)]].append(letter)
    return folds


def cross_validate(folds: list[list], use_dossier: bool) -> list[dict]:
    """One record per held-out letter: truth, prediction, route, confidence."""
    records = []
    for i, held_out in enumerate(folds):
        model = TopicModel()
        for j, fold in enumerate(folds):
            if j != i:
                for letter in fold:
                    model.add(letter)
        for letter in held_out:
            # The letter as the indexer would see it without its label.
            hidden = letter.with_changes(topics=(), subtopics=(), topic_source=None)
            topics, source = model.predict(hidden, use_dossier=use_dossier)
            scores = model.scores(hidden) if source != "dossier" else []
            records.append({
                "truth": set(letter.topics), "predicted": topics, "source": source,
                "best": scores[0] if scores else (None, 0.0),
                "half": "tuning" if zlib.crc32(dossier_key(letter).encode()) % 2 == 0
                        else "untouched"})
    return records


def evaluate(records: list[dict]) -> dict:
    """Right / strict / coverage, overall and per route."""
    out = {"all": _score(records)}
    for source in ("dossier", "model"):
        chosen = [r for r in records if r["source"] == source]
        if chosen:
            out[source] = _score(chosen)
    out["no topic"] = sum(1 for r in records if not r["predicted"])
    return out


def _score(records: list[dict]) -> dict:
    given = [r for r in records if r["predicted"]]
    right = sum(1 for r in given if set(r["predicted"]) <= r["truth"])
    strict = sum(1 for r in given if set(r["predicted"]) == r["truth"])
    return {"letters": len(records), "with topic": len(given),
            "coverage": _ratio(len(given), len(records)),
            "right": _ratio(right, len(given)), "strict": _ratio(strict, len(given))}


def threshold_curve(records: list[dict]) -> list[dict]:
    """Coverage and accuracy of the classifier's best theme per threshold."""
    curve = []
    for threshold in THRESHOLDS:
        kept = [r for r in records if r["best"][0] and r["best"][1] >= threshold]
        right = sum(1 for r in kept if r["best"][0] in r["truth"])
        curve.append({"threshold": threshold, "coverage": _ratio(len(kept), len(records)),
                      "right": _ratio(right, len(kept))})
    return curve


def coverage(labelled: list, unlabelled: list, corpus: Path, seed: int) -> dict:
    """Train on every labelled letter, as the indexer does; how many of the
    others get a topic, and how long that takes."""
    cpu, wall = time.process_time(), time.perf_counter()
    model = TopicModel()
    for letter in labelled:
        model.add(letter)
    train = {"cpu_s": round(time.process_time() - cpu, 2),
             "wall_s": round(time.perf_counter() - wall, 2), "letters": len(labelled)}
    out = {"train": train, "kst-xml": _routes(model, unlabelled)}
    try:
        sgd = read_all(corpus / "sgd-ocr")
    except ImportError as exc:       # the text reader is not there yet
        sgd = []
        print(f"\nsgd-ocr not read: {exc}")
    if sgd:
        out["sgd-ocr"] = _routes(model, sgd)
    print("\ncoverage, training on all labelled letters "
          f"({train['cpu_s']} s CPU to train on {len(labelled)}):")
    for name in ("kst-xml", "sgd-ocr"):
        if name in out:
            row = out[name]
            print(f"  {name:8} {row['letters']:5} letters: {row['dossier']:5} via dossier, "
                  f"{row['model']:5} via model, {row['none']:5} no topic "
                  f"({row['cpu_s']} s CPU)")
    if sgd:
        _show_sample(model, sgd, seed)
    return out


def _routes(model: TopicModel, letters: list) -> dict:
    cpu, wall = time.process_time(), time.perf_counter()
    predictions = [model.predict(letter) for letter in letters]
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    sources = Counter(source for _, source in predictions)
    themes = Counter(theme for topics, _ in predictions for theme in topics)
    return {"letters": len(letters), "dossier": sources["dossier"], "model": sources["model"],
            "none": sources[None], "cpu_s": round(cpu, 2), "wall_s": round(wall, 2),
            "themes": dict(themes.most_common())}


def _show_sample(model: TopicModel, letters: list, seed: int) -> None:
    print("\n10 random sgd-ocr letters (judge by eye):")
    for letter in random.Random(seed).sample(letters, 10):
        topics, source = model.predict(letter)
        scores = model.scores(letter)
        best = f"{scores[0][0]} {scores[0][1]:.2f}" if scores else "-"
        title = (letter.title or letter.body[:60]).replace("\n", " ")[:70]
        label = ", ".join(topics) or "(none)"
        print(f"  {letter.year or '????'} {title:70} -> {label} [{source or '-'}; best {best}]")


def print_tables(results: dict) -> None:
    print(f"{'experiment':26} {'route':8} {'letters':>7} {'topic':>6} {'cover':>6} "
          f"{'right':>6} {'strict':>6}")
    rows = [("letters (dossier on)", results["letters"]),
            ("classifier (dossier off)", results["classifier"]),
            ("new dossiers", results["new_dossiers"])]
    rows += [(f"  {half} half", part) for half, part in results["new_dossiers_by_half"].items()]
    for name, table in rows:
        for route in ("all", "dossier", "model"):
            if route in table:
                r = table[route]
                print(f"{name:26} {route:8} {r['letters']:7} {r['with topic']:6} "
                      f"{_pct(r['coverage'])} {_pct(r['right'])} {_pct(r['strict'])}")
                name = ""
    print("\nnew dossiers, classifier's best theme by confidence threshold:")
    for point in results["new_dossiers_thresholds"]:
        print(f"  >= {point['threshold']:.1f}: coverage {_pct(point['coverage'])}, "
              f"right {_pct(point['right'])}")


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _pct(value: float | None) -> str:
    return f"{value * 100:5.1f}%" if value is not None else "    - "


if __name__ == "__main__":
    main()
