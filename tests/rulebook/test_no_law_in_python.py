"""No law in Python: every citation and date the engine states comes from `law/` (issue #17).

The test reads every string literal of `src/chipcontrols/**/*.py` (with `tokenize` and `ast`,
so comments, which say why code does what it does, may cite what they explain) and fails on a
citation or an ISO date, listing file:line. Law moved into `law/` is inside the rulebook's
content hash (tests/rulebook/test_hash_each_kind.py), so a change of it is a new rulebook version.

Docstrings are documentation for readers of the code, like comments, and are not scanned:
they orient the reader ("the steps of part 732") and are never shown as an answer. The one
exception is a docstring an interface shows to users (a CLI command's help, an API model's
description): those live in `cli/` and `api/` and are scanned.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "chipcontrols"

# What a citation or an effective date looks like in a string.
PATTERNS = {
    "CFR citation": r"\b\d+ CFR\b",
    "section sign": r"§\s*\d",
    "EAR paragraph": r"\b7[34]\d\.\d+\([a-z]\)",
    "EAR section": r"(?<![\w.])7[3-7]\d\.\d+\b",
    "EAR part": r"(?i:\bpart 7\d\d\b)",
    "Federal Register": r"\bFR \d{3,}",
    "EU regulation": r"Regulation \(EU\)|\bRegulation (?:No\.? )?\d+/\d{4}",
    "supplement": r"Supp(?:lement)?\.? No\.",
    "Dutch gazette": r"Staatscourant|\bStcrt\b",
    "US Code": r"U\.S\.C\.",
    "ISO date": r"\b(?:19|20)\d\d-\d\d-\d\d\b",
}
_RX = re.compile("|".join(f"(?P<p{i}>{p})" for i, p in enumerate(PATTERNS.values())))
_NAMES = list(PATTERNS)

# Strings that match a pattern but are not law: (file under src/chipcontrols, the text matched)
# -> why it may stay.
ALLOWED: dict[tuple[str, str], str] = {
    ("cli/common.py", "2023-11-17"): "an example of the date format in an input error message",
    ("web/workspace.py", "2024-05-01"): "the date of an example deal file shown in a form",
    ("screening/fetch/convert.py", "Supplement No."): "an error naming the XML a reader expects",
}

# Law still written in Python, in files being changed elsewhere: each is moved into `law/`
# by its owner. The test fails when one of these no longer matches, so the list only shrinks.
PENDING: dict[tuple[str, str], str] = {}


def _docstrings(tree: ast.Module) -> set[int]:
    """Line numbers where a docstring starts."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if (
                body
                and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)
            ):
                lines.add(body[0].lineno)
    return lines


def _user_facing(rel: str) -> bool:
    return rel.startswith(("cli/", "api/"))


def findings() -> list[tuple[str, int, str, str]]:
    """(file, line, pattern name, text matched) of every citation or date in a string literal."""
    out: list[tuple[str, int, str, str]] = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        source = path.read_text("utf-8")
        docs = set() if _user_facing(rel) else _docstrings(ast.parse(source))
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type != tokenize.STRING or tok.start[0] in docs:
                continue
            for offset, line in enumerate(tok.string.splitlines()):
                for m in _RX.finditer(line):
                    name = _NAMES[int(next(k for k, v in m.groupdict().items() if v)[1:])]
                    out.append((rel, tok.start[0] + offset, name, m.group(0)))
    return out


def test_no_citation_or_date_in_python_strings() -> None:
    found = findings()
    offending = [
        f"src/chipcontrols/{rel}:{line}: {name} {text!r}"
        for rel, line, name, text in found
        if (rel, text) not in ALLOWED and (rel, text) not in PENDING
    ]
    assert not offending, (
        "law in Python (move it into law/ and read it through the rulebook):\n"
        + "\n".join(offending)
    )


def test_the_allow_lists_are_still_needed() -> None:
    seen = {(rel, text) for rel, _line, _name, text in findings()}
    stale = sorted((set(ALLOWED) | set(PENDING)) - seen)
    assert not stale, f"no longer found, remove from the allow-list: {stale}"


def test_the_scan_finds_what_it_looks_for(tmp_path: Path) -> None:
    """The patterns match the forms the law is cited in, and only inside string literals."""
    text = "\n".join(
        [
            '"""Module docstring: 15 CFR part 744 (not scanned)."""',
            "# a comment may cite 15 CFR 744.23(b)",
            'A = "15 CFR 744.23(b)"',
            'B = f"see {x} Supp. No. 4 to part 744"',
            'C = "Council Regulation (EU) No 833/2014"',
            'D = "effective 2024-12-02"',
            'E = "88 FR 73458"',
            'F = "nothing here: 3A090.a, TPP 4800"',
        ]
    )
    tokens = [t for t in tokenize.generate_tokens(io.StringIO(text).readline)]
    strings = [t.string for t in tokens if t.type == tokenize.STRING][1:]
    hits = [bool(_RX.search(s)) for s in strings]
    assert hits == [True, True, True, True, True, False]
