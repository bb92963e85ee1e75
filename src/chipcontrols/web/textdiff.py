"""Two versions of a legal text side by side, the words taken out and put in marked."""

from __future__ import annotations

import difflib
import re

from markupsafe import Markup, escape

_TOKEN = re.compile(r"\s+|[^\s]+")


def sides(old: str | None, new: str | None) -> tuple[Markup, Markup]:
    """(old with <del> around the words removed, new with <ins> around the words added)."""
    a = _TOKEN.findall(old or "")
    b = _TOKEN.findall(new or "")
    left: list[str] = []
    right: list[str] = []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        removed = escape("".join(a[i1:i2]))
        added = escape("".join(b[j1:j2]))
        if op == "equal":
            left.append(removed)
            right.append(added)
            continue
        if removed.strip():
            left.append(Markup("<del>{}</del>").format(removed))
        else:
            left.append(removed)
        if added.strip():
            right.append(Markup("<ins>{}</ins>").format(added))
        else:
            right.append(added)
    return Markup("").join(left), Markup("").join(right)
