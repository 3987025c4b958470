"""Write ``bench/data/search-queries.tsv``: the fixed queries ``bench_search.py`` times.

Drawn once, with a fixed seed, from the PyPI listing in ../shared/data: exact names (popular
and obscure, in the spellings people type), prefixes, words from summaries, single-edit typos
of popular names, and nonsense (random letters, FTS syntax). Each line: kind, tab, query.
Rerun only to change the mix; the file is committed so runs compare.
"""

from __future__ import annotations

import gzip
import random
import re
import string
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS = HERE.parent.parent / "shared" / "data" / "pypi-projects.tsv.gz"
TARGET = HERE / "data" / "search-queries.tsv"
STOP = {"a", "an", "and", "the", "for", "of", "to", "in", "with", "python", "on", "is", "your"}


def typo(name: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(name) - 1)
    kind = rng.choice(["swap", "drop", "double", "replace"])
    if kind == "swap":
        return name[: i - 1] + name[i] + name[i - 1] + name[i + 1 :]
    if kind == "drop":
        return name[:i] + name[i + 1 :]
    if kind == "double":
        return name[:i] + name[i] + name[i:]
    return name[:i] + rng.choice(string.ascii_lowercase) + name[i + 1 :]


def main() -> None:
    rng = random.Random(11)
    ranked, others = [], []
    with gzip.open(CORPUS, "rt", encoding="utf-8") as lines:
        next(lines)
        for line in lines:
            name, _, _, rank, summary = line.rstrip("\n").split("\t")
            (ranked if rank else others).append((name, int(rank) if rank else 0, summary))
    ranked.sort(key=lambda r: r[1])
    top = ranked[:2000]
    queries: list[tuple[str, str]] = []
    for name, _, _ in rng.sample(top, 200) + rng.sample(others, 100):
        spelling = rng.choice([name, name.replace("-", "_"), name.replace("-", " "), name.title()])
        queries.append(("name", spelling))
    for name, _, _ in rng.sample(top, 200):
        queries.append(("prefix", name[: rng.randint(2, max(2, min(6, len(name) - 1)))]))
    words = [
        w
        for _, _, summary in top
        for w in re.findall(r"[a-z]{3,}", summary.lower())
        if w not in STOP
    ]
    for _ in range(200):
        queries.append(("words", " ".join(rng.sample(words, rng.choice([1, 1, 2, 2, 3])))))
    long_names = [r for r in top if len(r[0]) >= 5]
    for name, _, _ in rng.sample(long_names, 200):
        queries.append(("typo", typo(name, rng)))
    syntax = ["c++", '"', "*", "-", ":", "AND", "OR", "NEAR(", "(", "^", "'", "a:b", "-x"]
    for _ in range(100):
        letters = string.ascii_lowercase + "  "
        noise = "".join(rng.choice(letters) for _ in range(rng.randint(3, 24)))
        queries.append(("nonsense", f"{noise} {rng.choice(syntax)}".strip()))
    TARGET.parent.mkdir(exist_ok=True)
    TARGET.write_text("".join(f"{kind}\t{q}\n" for kind, q in queries), encoding="utf-8")
    print(f"{len(queries)} queries written to {TARGET}")


if __name__ == "__main__":
    main()
