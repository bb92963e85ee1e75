"""Make the recorded copies in this folder from the list copies in shared/data/lists/official/.

Run once by hand (python tests/fetch/recorded/make_samples.py SHARED_OFFICIAL_DIR); the
tests read the files it wrote. See README.md for what is real and what is added.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from xml.sax.saxutils import escape

HERE = Path(__file__).parent
CUSTOMER = {
    "id": "recorded-update-customer-1",
    "source": "Entity List (EL) - Bureau of Industry and Security",
    "name": "Zephyrcrest Lithography Supply Co., Ltd.",
    "alt_names": ["Zephyrcrest Litho"],
    "addresses": [{"address": "88 Example Road", "city": "Suzhou", "country": "CN"}],
    "federal_register_notice": "91 FR 99999",
    "start_date": "2026-11-20",
    "license_requirement": "For all items subject to the EAR. (See §744.11 of the EAR).",
    "license_policy": "Presumption of denial.",
}


def _json_row(r: dict[str, str]) -> dict[str, object]:
    out: dict[str, object] = {"id": r["_id"], "source": r["source"], "name": r["name"]}
    for key in (
        "type",
        "federal_register_notice",
        "start_date",
        "end_date",
        "license_requirement",
        "license_policy",
        "entity_number",
        "remarks",
    ):
        if r.get(key):
            out[key] = r[key]
    if r.get("programs"):
        out["programs"] = [p.strip() for p in r["programs"].split(";")]
    if r.get("alt_names"):
        out["alt_names"] = [p.strip() for p in r["alt_names"].split(";")]
    addrs = []
    for part in filter(None, (p.strip() for p in r.get("addresses", "").split(";"))):
        bits = [b.strip() for b in part.rsplit(",", 1)]
        addrs.append({"address": bits[0], "country": bits[-1] if len(bits) > 1 else None})
    out["addresses"] = addrs
    return out


def main(official: Path) -> None:
    rows = list(csv.DictReader((official / "us_csl_partial_2023-11-30.csv").open(encoding="utf-8")))
    rows = [r for r in rows if r["source"] != "source"]
    pick = [r for r in rows if r["source"].startswith("Entity List")][:2]
    pick += [r for r in rows if r["source"].startswith("Specially")][:2]
    pick += [r for r in rows if r["source"].startswith("Denied")][:1]
    base = {"total": len(pick), "results": [_json_row(r) for r in pick]}
    (HERE / "csl_base.json").write_text(json.dumps(base, indent=1, ensure_ascii=False) + "\n")
    update = json.loads(json.dumps(base))
    update["results"].append(CUSTOMER)
    update["results"][0]["alt_names"] = [*update["results"][0].get("alt_names", []), "A. S. Ghoura"]
    update["total"] = len(update["results"])
    (HERE / "csl_update.json").write_text(json.dumps(update, indent=1, ensure_ascii=False) + "\n")
    with (HERE / "csl_base.csv").open("w", encoding="utf-8", newline="") as fh:
        dw = csv.DictWriter(fh, fieldnames=list(rows[0].keys()), quoting=csv.QUOTE_ALL)
        dw.writeheader()
        dw.writerows(pick)
    # OFAC legacy CSV files (no header) for the two SDN rows of the CSL copy
    sdn = [r for r in pick if r["source"].startswith("Specially")]
    with (HERE / "ofac" / "sdn.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        for r in sdn:
            w.writerow(
                [
                    r["entity_number"],
                    r["name"],
                    "-0- ",
                    r["programs"],
                    "-0- ",
                    "-0- ",
                    "-0- ",
                    "-0- ",
                    "-0- ",
                    "-0- ",
                    "-0- ",
                    "-0- ",
                ]
            )
    with (HERE / "ofac" / "add.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        for n, r in enumerate(sdn, start=1):
            city, _, country = r["addresses"].rpartition(", ")
            w.writerow([r["entity_number"], n, "-0- ", city, country, "-0- "])
    with (HERE / "ofac" / "alt.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        for n, r in enumerate(sdn, start=1):
            w.writerow([r["entity_number"], n, "aka", r["alt_names"], "-0- "])
    (HERE / "ofac" / "sdn_comments.csv").write_text("")
    # eCFR XML of Supplement No. 4 (GPOTABLE) with the first three rows of the parsed copy
    el = json.loads((official / "us_bis_entity_list_2026-07-09.json").read_text("utf-8"))
    ents = el["entities"][:3]
    body = []
    last = None
    for e in ents:
        country = e["country"].upper() if e["country"] != last else ""
        last = e["country"]
        cell = escape(e["name"] + ", " + (e.get("address") or ""))
        body.append(
            f'<ROW><ENT I="01">{escape(country)}</ENT><ENT>{cell}</ENT>'
            f"<ENT>{escape(e['notes'] or '')}</ENT><ENT></ENT>"
            f"<ENT>{escape(e['federal_register'] or '')}</ENT></ROW>"
        )
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<DIV9 N="Supplement No. 4 to Part 744" '
        'TYPE="APPENDIX"><HEAD>Supplement No. 4 to Part 744—Entity List</HEAD>'
        '<GPOTABLE COLS="5"><BOXHD><CHED H="1">Country</CHED><CHED H="1">Entity</CHED>'
        '<CHED H="1">License requirement</CHED><CHED H="1">License review policy</CHED>'
        '<CHED H="1">Federal Register citation</CHED></BOXHD>\n'
        + "\n".join(body)
        + "\n</GPOTABLE></DIV9>\n"
    )
    (HERE / "ecfr_part744_supp4.xml").write_text(xml, "utf-8")
    lines = (official / "jp_meti_end_user_list_2026.csv").read_text("utf-8").splitlines()
    (HERE / "jp_meti_eul.csv").write_text("\n".join(lines[:5]) + "\n", "utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
