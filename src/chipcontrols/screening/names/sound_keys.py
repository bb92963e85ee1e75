"""Consonant skeletons: a key that a name word keeps across writing systems.

Abjads (Arabic, Persian, Hebrew) write consonants and leave most vowels out; Japanese kana,
Korean hangul and Chinese characters used for foreign names add vowels and merge l and r;
every romanisation spells the same sounds differently ('sh', 'ch', 'sch'; 'c', 'k', 'q').
A word's skeleton keeps what survives all of these: its consonants, in order, folded into
classes of sounds that the scripts do not tell apart (b/p/f/v, k/c/q/g, t/d, s/z and the
sibilants, l/r), with vowels, semivowels (w, y, j) and h dropped and repeats collapsed.

'sandler' and the Hebrew 'סנדלר' (romanised 'sndlr') both give 'SNTLL'->'SNTL'; 'pinnock' and
'ピノック' ('pinokku') both give 'BNK'. The key is a blocking and pairing device for words
written in another script: it says two writings may be one name, never by itself that
they are (the matcher weighs the spelling as well and asks for review when it cannot tell).
"""

from __future__ import annotations

import re
from functools import lru_cache

from unidecode import unidecode

# Sequences first (longest first), then single letters; lower-case input, upper-case classes.
_SEQUENCES = (
    ("tsch", "S"),
    ("sch", "S"),
    ("tch", "S"),
    ("ch", "S"),
    ("sh", "S"),
    ("zh", "S"),
    ("ts", "S"),
    ("tz", "S"),
    ("cz", "S"),
    ("sz", "S"),
    ("kh", "K"),
    ("gh", "K"),
    ("ph", "B"),
    ("th", "T"),
    ("dh", "T"),
    ("ck", "K"),
    ("qu", "K"),
    ("x", "KS"),
)
_LETTERS = {
    "b": "B",
    "p": "B",
    "f": "B",
    "v": "B",
    "k": "K",
    "q": "K",
    "g": "K",
    "c": "K",
    "t": "T",
    "d": "T",
    "s": "S",
    "z": "S",
    "l": "L",
    "r": "L",
    "m": "M",
    "n": "N",
}
_SOFT_C = re.compile(r"c(?=[eiy])")


@lru_cache(maxsize=100_000)
def sound_key(word: str) -> str:
    """The consonant skeleton of one word (any script; '' when none is left)."""
    text = word if word.isascii() else unidecode(word)
    text = _SOFT_C.sub("s", text.lower())
    for seq, cls in _SEQUENCES:
        if seq in text:
            text = text.replace(seq, cls)
    out: list[str] = []
    for ch in text:
        cls = ch if ch.isupper() else _LETTERS.get(ch, "")
        for c in cls:
            if not out or out[-1] != c:
                out.append(c)
    return "".join(out)
