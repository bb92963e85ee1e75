"""Shared pieces of the list readers: results, text decoding, countries, dates, citations."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import countrynames

from chipcontrols.errors import DataError
from chipcontrols.screening.model import Citation, ListEntry

MAX_LIST_BYTES = 512 * 1024 * 1024


@dataclass
class ReadResult:
    """What a reader found in one file: entries and where they came from."""

    format: str
    dataset: str
    entries: list[ListEntry]
    source: str
    as_of: dt.date | None = None
    warnings: list[str] = field(default_factory=list)


def read_text(path: Path) -> str:
    """The file as text: UTF-8 (with or without BOM), else Windows-1252 as OFAC once used."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise DataError("file not found; check the path", loc=str(path)) from None
    except OSError as exc:
        raise DataError(f"cannot read file: {exc.strerror}", loc=str(path)) from None
    if path.is_dir():
        raise DataError("is a folder; give a list file", loc=str(path))
    if size > MAX_LIST_BYTES:
        raise DataError(f"file is larger than {MAX_LIST_BYTES >> 20} MiB", loc=str(path))
    data = path.read_bytes()
    if b"\x00" in data[:65536]:
        raise DataError("binary file, not a list in a text format", loc=str(path))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            raise DataError("not UTF-8 or Windows-1252 text", loc=str(path)) from None


def csv_rows(text: str, *, loc: str, delimiter: str = ",") -> Iterator[tuple[int, list[str]]]:
    """CSV rows with their line numbers; a broken quote or a stray NUL is a DataError."""
    reader = csv.reader(text.splitlines(keepends=True), delimiter=delimiter, strict=True)
    try:
        for row in reader:
            if row and any(cell.strip() for cell in row):
                yield reader.line_num, row
    except csv.Error as exc:
        raise DataError(
            f"corrupt CSV ({exc}); the file may be truncated", loc=f"{loc}:{reader.line_num}"
        ) from None


def clean(value: object) -> str | None:
    """Cell text without padding; OFAC's '-0-' and empty cells are None."""
    if value is None:
        return None
    text = " ".join(str(value).split())
    if text in ("", "-0-", "-0", "null", "None"):
        return None
    return text


def split_list(value: str | None, sep: str = ";") -> tuple[str, ...]:
    if not value:
        return ()
    return tuple(part for part in (clean(p) for p in value.split(sep)) if part)


_COUNTRY_FIXES = {
    "CHINA, PEOPLE'S REPUBLIC OF": "CN",
    "CHINA": "CN",
    "HONG KONG": "HK",
    "MACAU": "MO",
    "TAIWAN": "TW",
    "KOREA, NORTH": "KP",
    "KOREA, SOUTH": "KR",
    "BURMA": "MM",
    "RUSSIA": "RU",
    "VIETNAM": "VN",
    "REGION: CRIMEA": "UA",
    "REGION: GAZA": "PS",
    "UNDETERMINED": "",
}


def country_code(value: str | None) -> str | None:
    """ISO 3166 alpha-2 for a country name or code; None when unknown."""
    if not value:
        return None
    text = value.strip().strip(".").strip()
    if not text:
        return None
    fixed = _COUNTRY_FIXES.get(text.upper())
    if fixed is not None:
        return fixed or None
    if len(text) == 2 and text.isalpha():
        return text.upper()
    code = countrynames.to_code(text)
    if code is None and "," in text:
        head, _, tail = text.partition(",")
        code = countrynames.to_code(f"{tail.strip()} {head.strip()}")
    return code.upper() if code else None


def trailing_country(address: str) -> str | None:
    """The country named at the end of an address ('..., Shenzhen, China.')."""
    tail = address.rstrip(". ").rsplit(",", 1)[-1]
    return country_code(tail)


def parse_date(value: str | None, *, loc: str) -> dt.date | None:
    """ISO, M/D/YYYY, M/D/YY, 'DD Mon YYYY' dates; None when empty; DataError when bad."""
    text = clean(value)
    if not text:
        return None
    for fmt in ("%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y", "%d %b %Y", "%d %B %Y", "%Y%m%d"):
        try:
            return dt.datetime.strptime(text[:10] if fmt == "%Y-%m-%d" else text, fmt).date()
        except ValueError:
            continue
    raise DataError(f"unreadable date {text!r}", loc=loc)


_FR_RE = re.compile(
    r"(?P<vol>\d{1,3})\s*F\.?\s?R\.?\s*(?P<page>\d{1,6})"
    r"(?:[^\d;]{0,12}?(?P<m>\d{1,2})/(?P<d>\d{1,2})/(?P<y>\d{2,4}))?"
)


def parse_citations(text: str | None) -> tuple[Citation, ...]:
    """'84 FR 22963, 5/21/19; 85 FR 29852' -> citations, dated where the text dates them."""
    if not text:
        return ()
    out: list[Citation] = []
    for m in _FR_RE.finditer(text):
        date = None
        if m.group("y"):
            year = int(m.group("y"))
            if year < 100:
                year += 1900 if year > 50 else 2000
            try:
                date = dt.date(year, int(m.group("m")), int(m.group("d")))
            except ValueError:
                date = None
        out.append(Citation(cite=f"{m.group('vol')} FR {m.group('page')}", date=date))
    return tuple(out)


def slug(text: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60]
    return base or hashlib.sha256(text.encode()).hexdigest()[:12]


def unique_ids(entries: list[ListEntry]) -> list[ListEntry]:
    """Keep ids unique within a file: a repeated id gets a content-derived suffix."""
    from dataclasses import replace

    taken: set[str] = set()
    out: list[ListEntry] = []
    for entry in entries:
        if entry.id in taken:
            base = f"{entry.id}~{entry.content_hash()[2:10]}"
            new_id, n = base, 1
            while new_id in taken:
                n += 1
                new_id = f"{base}-{n}"
            entry = replace(entry, id=new_id)
        taken.add(entry.id)
        out.append(entry)
    return out


_CODE_RE = re.compile(r"\(([A-Z][A-Z0-9-]*?)(?: List)?\)")


def list_code(source: str) -> str:
    """'Entity List (EL) - Bureau of Industry and Security' -> 'EL'."""
    m = _CODE_RE.search(source)
    return m.group(1) if m else slug(source).upper()[:20]
