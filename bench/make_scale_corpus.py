"""Generate a scale corpus of N fictitious letters from real text.

Paragraphs of the real letters (KOOP XML and OCR text, read with the
product's own reader `corpus.files.read_letter`) are recombined into new
letters, written as Markdown (70%) and plain text (30%) with a realistic
header (Vergaderjaar, dossier number, dossier title, Nr., BRIEF VAN DE
MINISTER VAN ..., Den Haag + date) and signature, so the product's readers
parse them like real ones. Every file says FICTIEF in its first line.

- ids: dossier numbers 40000-99899 (the real corpus stops below 40000; the
  demo uses 99901+), Nr. numbered by date within each dossier;
- dossier sizes Zipf-like (weight 1/rank^1.07, about N/6 dossiers: a few with
  thousands of letters, most with one to three);
- dates spread over 1995-2026 (a dossier lives up to three years);
- letter lengths drawn from the real length distribution;
- topics: each dossier has one or two official themes; 30% of the letters
  carry them in a `NAME.json` sidecar, so the topic model has the rest to do.

Deterministic for a given --seed and source corpus. Writes into a temporary
folder (never into the repository) in subfolders of 1000 files.

    python bench/make_scale_corpus.py OUT_DIR [-n 200000] [--seed 1] [--corpus DIR]
"""
from __future__ import annotations

import argparse
import bisect
import datetime as dt
import json
import multiprocessing
import os
import random
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

FICTIEF = "FICTIEF: gegenereerd voor de kamerzoek-benchmark uit echte tekstfragmenten, geen echt Kamerstuk."
THEMES = ["Internationaal", "Financiën", "Zorg en gezondheid", "Recht", "Economie",
          "Openbare orde en veiligheid", "Verkeer", "Onderwijs en wetenschap", "Bestuur",
          "Huisvesting", "Natuur en milieu", "Sociale zekerheid", "Migratie en integratie",
          "Ruimte en infrastructuur", "Landbouw", "Cultuur en recreatie", "Werk"]
MINISTRIES = ["Buitenlandse Zaken", "Financiën", "Volksgezondheid, Welzijn en Sport",
              "Justitie en Veiligheid", "Economische Zaken en Klimaat",
              "Infrastructuur en Waterstaat", "Onderwijs, Cultuur en Wetenschap",
              "Binnenlandse Zaken en Koninkrijksrelaties", "Sociale Zaken en Werkgelegenheid",
              "Defensie", "Landbouw, Natuur en Voedselkwaliteit", "Algemene Zaken",
              "Asiel en Migratie", "Klimaat en Groene Groei",
              "Volkshuisvesting en Ruimtelijke Ordening"]
MONTHS = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
          "september", "oktober", "november", "december"]
NAMES = ["A. Fictief", "B. Voorbeeld", "C. Proefpersoon", "D. Verzonnen", "E. Bedacht"]
FIRST_DOSSIER, LAST_DOSSIER = 40000, 99899
SIDECAR_FRACTION = 0.30
MD_FRACTION = 0.70
_SKIP_RE = re.compile(r"vergaderjaar|zitting|^\s*(nr|no)s?\.|kamerstuk|tweede kamer|eerste kamer"
                      r"|^\s*(den haag|'s-gravenhage)|^\s*(brief|motie|amendement) van"
                      r"|^\s*de (minister|staatssecretaris)|aan de voorzitter", re.IGNORECASE)


def _paragraphs(body: str) -> list[str]:
    out = []
    for block in re.split(r"\n\s*\n", body):
        lines = [ln.strip() for ln in block.split("\n") if ln.strip()]
        if len(lines) > 3:  # OCR: one line per printed line; regroup
            chunk: list[str] = []
            for line in lines:
                chunk.append(line)
                if sum(map(len, chunk)) > 500:
                    out.append(" ".join(chunk))
                    chunk = []
            if chunk:
                out.append(" ".join(chunk))
        elif lines:
            out.append(" ".join(lines))
    keep = []
    for p in out:
        letters = sum(c.isalpha() for c in p)
        if 60 <= len(p) <= 3000 and letters / len(p) > 0.7 and not _SKIP_RE.search(p):
            keep.append(p)
    return keep


def _harvest(path: Path):
    from corpus.files import read_letter
    try:
        letter = read_letter(path)
    except Exception:
        return None
    return (len(letter.body), _paragraphs(letter.body), letter.dossier_title)


def harvest(corpus: Path, procs: int = 2):
    from corpus.files import discover
    files = [f for f in discover([corpus / "kst-xml", corpus / "sgd-ocr", corpus / "letters"])]
    with multiprocessing.get_context("fork").Pool(procs) as pool:
        results = [r for r in pool.map(_harvest, files, chunksize=64) if r]
    lengths = sorted(min(max(n, 300), 40_000) for n, _, _ in results)
    paragraphs = [p for _, ps, _ in results for p in ps]
    titles = sorted({t for _, _, t in results if t and 8 <= len(t) <= 120})
    return lengths, paragraphs, titles


def _vergaderjaar(date: dt.date) -> str:
    y = date.year
    return f"{y}-{y + 1}" if date.month >= 9 else f"{y - 1}-{y}"


def _spaced(dossier: int) -> str:
    s = str(dossier)
    return f"{s[:2]} {s[2:]}"


def render(fmt: str, dossier: int, nr: int, date: dt.date, dtitle: str, ministry: str,
           name: str, paragraphs: list[str]) -> str:
    heading = f"BRIEF VAN DE MINISTER VAN {ministry.upper()}"
    datum = f"Den Haag, {date.day} {MONTHS[date.month - 1]} {date.year}"
    sign = f"De Minister van {ministry},"
    if fmt == "md":
        head = [f"> {FICTIEF}", f"Vergaderjaar {_vergaderjaar(date).replace('-', '–')}",
                f"**{_spaced(dossier)}**", f"## **{dtitle}**", f"**Nr. {nr}**",
                f"### **{heading}**", "Aan de Voorzitter van de Tweede Kamer der Staten-Generaal",
                datum]
    else:
        head = [FICTIEF, "Tweede Kamer der Staten-Generaal",
                f"Vergaderjaar {_vergaderjaar(date)}", _spaced(dossier), dtitle, f"Nr. {nr}",
                heading, "Aan de Voorzitter van de Tweede Kamer der Staten-Generaal", datum]
    sep = "\n\n" if fmt == "md" else "\n"
    return sep.join(head) + "\n\n" + "\n\n".join(paragraphs) + f"\n\n{sign}\n{name}\n"


def generate(out: Path, n: int, seed: int, corpus: Path, procs: int = 2, log=print) -> dict:
    started = time.perf_counter()
    lengths, pool, titles = harvest(corpus, procs)
    log(f"harvested {len(pool)} paragraphs, {len(titles)} dossier titles "
        f"in {time.perf_counter() - started:.0f}s")
    rng = random.Random(seed)
    n_dossiers = min(max(10, n // 6), LAST_DOSSIER - FIRST_DOSSIER)
    weights = [1 / (rank ** 1.07) for rank in range(1, n_dossiers + 1)]
    cumulative, total = [], 0.0
    for w in weights:
        total += w
        cumulative.append(total)
    numbers = list(range(FIRST_DOSSIER, FIRST_DOSSIER + n_dossiers))
    rng.shuffle(numbers)  # the big dossiers are not the first numbers
    start_day = dt.date(1995, 1, 1).toordinal()
    last_day = dt.date(2026, 11, 30).toordinal()
    dossiers = []
    for i in range(n_dossiers):
        themes = rng.sample(THEMES, 1 if rng.random() < 0.8 else 2)
        dossiers.append({"number": numbers[i], "title": rng.choice(titles),
                         "ministry": rng.choice(MINISTRIES), "themes": themes,
                         "start": rng.randint(start_day, last_day), "letters": []})
    for k in range(n):
        d = dossiers[bisect.bisect_left(cumulative, rng.random() * total)]
        d["letters"].append(k)
    out.mkdir(parents=True, exist_ok=True)
    chars = written = sidecars = 0
    for d in dossiers:
        span = 3 * 365 if len(d["letters"]) > 1 else 0
        days = sorted(min(d["start"] + rng.randint(0, span), last_day) for _ in d["letters"])
        for nr, (k, day) in enumerate(zip(d["letters"], days), 1):
            target = lengths[rng.randrange(len(lengths))]
            paragraphs, size = [], 0
            while size < target:
                p = pool[rng.randrange(len(pool))]
                paragraphs.append(p)
                size += len(p) + 2
            fmt = "md" if rng.random() < MD_FRACTION else "txt"
            text = render(fmt, d["number"], nr, dt.date.fromordinal(day), d["title"],
                          d["ministry"], rng.choice(NAMES), paragraphs)
            folder = out / f"{k // 1000:04d}"
            if k % 1000 == 0 or not folder.exists():
                folder.mkdir(exist_ok=True)
            path = folder / f"fictief-{d['number']}-{nr}.{fmt}"
            path.write_text(text, encoding="utf-8")
            if rng.random() < SIDECAR_FRACTION:
                path.with_suffix(".json").write_text(json.dumps({"topics": d["themes"]},
                                                                ensure_ascii=False))
                sidecars += 1
            chars += len(text)
            written += 1
    sizes = sorted((len(d["letters"]) for d in dossiers), reverse=True)
    manifest = {"fictitious": True, "letters": written, "seed": seed, "source_corpus": str(corpus),
                "characters": chars, "megabytes_utf8_approx": round(chars / 1e6, 1),
                "dossiers_used": sum(1 for s in sizes if s), "largest_dossiers": sizes[:5],
                "single_letter_dossiers": sum(1 for s in sizes if s == 1),
                "sidecars": sidecars, "paragraph_pool": len(pool),
                "seconds": round(time.perf_counter() - started, 1)}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return manifest


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("-n", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--corpus", type=Path, default=Path(os.environ.get(
        "KAMERZOEK_CORPUS", Path(__file__).resolve().parents[2] / "shared" / "corpus")))
    parser.add_argument("--procs", type=int, default=2)
    args = parser.parse_args(argv)
    root = Path(__file__).resolve().parent.parent
    if root in args.out.resolve().parents:
        parser.error("write the scale corpus outside the repository (a temporary folder)")
    print(json.dumps(generate(args.out, args.n, args.seed, args.corpus, args.procs), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
