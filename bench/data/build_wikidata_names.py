"""Build `wikidata_person_names_20.tsv` (or a development sample from another slice) from
Merhav & Ash's Wikidata person-name transliteration dictionaries (COLING 2018, CC0 1.0).

    python bench/data/build_wikidata_names.py REPO_GIT_DIR [--slice 20] [--per-script 500]
        [--out bench/data/wikidata_person_names_20.tsv]

REPO_GIT_DIR is a clone of github.com/steveash/NETransliteration-COLING2018 (the files are
read with `git show HEAD:data/wd_<script>_<slice>`; lines are
`english<TAB>space-separated target characters<TAB>count`, one name word per line, the
slices already shuffled by the authors). For each script the first `per-script` lines with
an English word not taken yet are kept, in file order (so the sample is fixed by the slice).

Columns written: script, native (query), english (its entry), listed (1: the English word
is in the screening list; 0: held out, so the query is a negative), also (other sampled
English words that the same script's full dictionary, slices 80 and 20, pairs with the
same native word: a hit on one of them is a correct hit, not a false alarm).
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
from collections import defaultdict
from pathlib import Path

SCRIPTS = ("russian", "hebrew", "arabic", "katakana", "korean", "chinese")
HELD_OUT_SHARE = 0.2  # as the official bilingual set: a fifth of the names are not listed


def read(git_dir: str, name: str) -> list[tuple[str, str, int]]:
    text = subprocess.run(
        ["git", "--git-dir", git_dir, "show", f"HEAD:data/{name}"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    out = []
    for line in text.splitlines():
        parts = line.split("\t")
        if len(parts) != 3:
            continue
        out.append((parts[0].strip(), parts[1].replace(" ", "").strip(), int(parts[2])))
    return out


def held_out(english: str) -> bool:
    """A fixed fifth of the English words, by hash (the same word is held out in every
    script)."""
    h = int.from_bytes(hashlib.sha256(english.encode("utf-8")).digest()[:4], "big")
    return h / 2**32 < HELD_OUT_SHARE


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("git_dir")
    ap.add_argument("--slice", default="20")
    ap.add_argument("--per-script", type=int, default=500)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    out = args.out or Path(__file__).with_name(f"wikidata_person_names_{args.slice}.tsv")
    rows: list[tuple[str, str, str]] = []
    taken: set[tuple[str, str]] = set()
    attested: dict[str, dict[str, set[str]]] = {}
    for script in SCRIPTS:
        by_native: dict[str, set[str]] = defaultdict(set)
        for sl in ("80", "20"):
            for en, native, _ in read(args.git_dir, f"wd_{script}_{sl}"):
                by_native[native].add(en)
        attested[script] = by_native
        n = 0
        for en, native, _ in read(args.git_dir, f"wd_{script}_{args.slice}"):
            if n >= args.per_script:
                break
            if len(en) < 2 or not native or (script, en) in taken:
                continue
            taken.add((script, en))
            rows.append((script, native, en))
            n += 1
    english = {en for _, _, en in rows}
    with out.open("w", encoding="utf-8") as f:
        f.write("script\tnative\tenglish\tlisted\talso\n")
        for script, native, en in rows:
            also = sorted((attested[script][native] & english) - {en})
            f.write(f"{script}\t{native}\t{en}\t{0 if held_out(en) else 1}\t{'|'.join(also)}\n")
    print(f"{out}: {len(rows)} pairs, {len(english)} English words")


if __name__ == "__main__":
    main()
