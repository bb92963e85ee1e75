"""The matcher versions by name. A released version never changes (records name the version
that screened them, and a replay uses it); a better matcher is a new version."""

from __future__ import annotations

from chipcontrols.screening import matcher as v1
from chipcontrols.screening import matcher_v2 as v2
from chipcontrols.screening import matcher_v3 as v3
from chipcontrols.screening.matcher import Matcher

MATCHERS: dict[str, type[Matcher]] = {
    v1.VERSION: v1.Matcher,
    v2.VERSION: v2.MatcherV2,
    v3.VERSION: v3.MatcherV3,
}
DEFAULT = v3.VERSION


def recorded_matcher(result: object) -> str:
    """The matcher version a stored answer was screened with: its screening header
    (`matcher.algorithm`, at the top or under `screening`), else the version its hits name;
    an answer that screened nobody replays with the default."""
    found: list[str] = []

    def walk(node: object, depth: int) -> None:
        if found or depth > 6:
            return
        if isinstance(node, dict):
            matcher = node.get("matcher")
            if isinstance(matcher, dict) and matcher.get("algorithm") in MATCHERS:
                found.append(str(matcher["algorithm"]))
                return
            if node.get("algorithm") in MATCHERS and "entry_id" in node:
                found.append(str(node["algorithm"]))
                return
            for value in node.values():
                walk(value, depth + 1)
        elif isinstance(node, list):
            for value in node:
                walk(value, depth + 1)

    walk(result, 0)
    return found[0] if found else DEFAULT
