from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from chipcontrols.errors import DataError, InputError
from chipcontrols.screening.lists import detect_format, read_list
from tests.screening.conftest import FIXTURES, shared

SAMPLES = {
    "entity_list_chip_entries.yaml": ("entity_list", 265),
    "moov-watchman/test_testdata/csl.csv": ("csl_csv", 115),
    "moov-watchman/internal_cslustest_testdata/consolidated.csv": ("csl_csv", 13),
    "moov-watchman/test_testdata/dpl.txt": ("bis_dpl", 546),
    "moov-watchman/test_testdata_bench/dpl.txt": ("bis_dpl", 581),
    "moov-watchman/test_testdata_static/sdn.csv": ("ofac_sdn", 7379),
}


@pytest.mark.parametrize("rel", sorted(SAMPLES))
def test_every_sample_file_loads(rel: str) -> None:
    path = shared(rel)
    fmt, count = SAMPLES[rel]
    assert detect_format(path) == fmt
    result = read_list(path)
    assert len(result.entries) == count
    assert len({e.id for e in result.entries}) == count
    assert all(e.name for e in result.entries)


def test_entity_list_rows_keep_licence_fields() -> None:
    entries = {e.name: e for e in read_list(shared("entity_list_chip_entries.yaml")).entries}
    smic = entries["Semiconductor Manufacturing International Corporation (SMIC)"]
    assert smic.list == "EL"
    assert smic.footnotes == (5,)
    assert smic.licence_requirement and "734.9(e)(3)" in smic.licence_requirement
    assert smic.licence_review_policy and smic.licence_review_policy.startswith(
        "Presumption of denial"
    )
    assert [c.cite for c in smic.citations] == ["85 FR 83420", "89 FR 96836"]
    assert smic.listed_on == dt.date(2020, 12, 22)
    assert smic.amended_on == (dt.date(2024, 12, 5),)
    assert smic.countries == ("CN",)
    huawei = entries["Huawei Technologies Co., Ltd."]
    assert huawei.footnotes == (1, 2)
    assert "HK" in huawei.countries  # Tsim Sha Tsui address
    affiliates = [
        e for e in entries.values() if dict(e.extra).get("listed_in_entry_of") == huawei.name
    ]
    assert len(affiliates) == 22  # 21 affiliates and one subordinate, as printed
    marine = next(e for e in affiliates if e.name == "Huawei Marine Networks Co., Ltd.")
    assert "HMN Technologies" in marine.aliases
    assert marine.licence_requirement == huawei.licence_requirement


def test_csl_old_and_current_columns() -> None:
    old = read_list(shared("moov-watchman/test_testdata/csl.csv"))
    assert old.format == "csl_csv_2019"
    lists = {e.list for e in old.entries}
    assert {"EL", "DPL", "SDN", "SSI", "UVL", "ISN", "DTC", "PLC", "CAP"} <= lists
    el = next(e for e in old.entries if e.name == "32 Group China Ltd.")
    assert el.licence_requirement and el.licence_requirement.startswith(
        "For all items subject to the EAR"
    )
    assert el.licence_review_policy == "Presumption of denial."
    assert el.listed_on == dt.date(2015, 11, 12)
    assert el.citations[0].cite == "80 FR 69852"
    assert "HK" in el.countries
    sdn = next(e for e in old.entries if e.name == "2904977 CANADA, INC.")
    assert sdn.aliases == ("CARIBE SOL", "HAVANTUR CANADA INC.")
    assert sdn.id == "csl:SDN:8124"
    new = read_list(shared("moov-watchman/internal_cslustest_testdata/consolidated.csv"))
    assert new.format == "csl_csv_current"
    meu = next(e for e in new.entries if e.list == "MEU")
    assert meu.id == "csl:MEU:66f6ab3f26234b75a9093fce79ef0ce0"
    assert meu.licence_review_policy and "744.21" in meu.licence_review_policy


def test_csl_json() -> None:
    result = read_list(FIXTURES / "csl_sample.json")
    assert result.format == "csl_json"
    dpl, meu = sorted(result.entries, key=lambda e: e.list)
    assert dpl.list == "DPL" and dpl.removed_on == dt.date(2056, 6, 30)
    assert [c.date for c in dpl.citations] == [
        dt.date(2002, 9, 4),
        dt.date(2002, 3, 11),
        dt.date(2006, 7, 10),
    ]
    assert meu.aliases == ("AASPT",) and meu.countries == ("CN",)


def test_dpl_dates_run_through_the_expiry_day() -> None:
    result = read_list(shared("moov-watchman/test_testdata/dpl.txt"))
    e = next(e for e in result.entries if e.name == "ADRIAN MANUEL HERNANDEZ")
    assert e.listed_on == dt.date(2017, 10, 16)
    assert e.in_force(dt.date(2020, 10, 13))  # Expiration_Date 10/13/2020
    assert not e.in_force(dt.date(2020, 10, 14))
    assert not e.in_force(dt.date(2017, 10, 15))


def test_sdn_joins_addresses_aliases_and_comments() -> None:
    result = read_list(shared("moov-watchman/test_testdata_static/sdn.csv"))
    by_id = {e.id: e for e in result.entries}
    bnc = by_id["ofac-sdn:306"]
    assert bnc.name == "BANCO NACIONAL DE CUBA"
    assert "NATIONAL BANK OF CUBA" in bnc.aliases
    assert {"CH", "ES", "JP"} <= set(bnc.countries)
    assert bnc.programs == ("CUBA",)
    alite = by_id["ofac-sdn:9750"]
    assert alite.programs == ("NPWMD", "IFSR")
    assert by_id["ofac-sdn:12300"].remarks and "Linked To" in by_id["ofac-sdn:12300"].remarks


def test_ftm_lines() -> None:
    result = read_list(FIXTURES / "ftm_sample.jsonl")
    assert result.format == "ftm_jsonl" and result.dataset == "us_ofac_sdn"
    by_id = {e.id: e for e in result.entries}
    assert set(by_id) == {"ofac-306", "ofac-9750"}
    bnc = by_id["ofac-306"]
    assert bnc.programs == ("CUBA",) and bnc.listed_on == dt.date(1962, 2, 7)
    assert bnc.list_name == "Office of Foreign Assets Control"
    alite = by_id["ofac-9750"]
    assert alite.listed_on == dt.date(2006, 6, 13) and alite.removed_on is None
    assert alite.addresses[0].country == "CN"


def test_entity_list_official_columns() -> None:
    result = read_list(FIXTURES / "entity_list_table.tsv")
    assert result.format == "bis_entity_list_table"
    baai, ymtc, smic = result.entries
    assert baai.name == "Beijing Academy of Artificial Intelligence"
    assert baai.aliases == (
        "BAAI",
        "Zhiyuan Research Institute",
        "Beijing Zhiyuan Artificial Intelligence Research Institute",
        "Zhiyuan",
    )
    assert len(baai.addresses) == 2 and baai.addresses[0].full.startswith("No. 150 Chengfu Road")
    assert baai.footnotes == (4,) and baai.listed_on == dt.date(2025, 3, 28)
    assert ymtc.countries == ("CN", "HK")  # country heading carried down, HK address
    assert ymtc.aliases[0] == "Changjiang Cunchu"
    assert smic.name == "Semiconductor Manufacturing International Corporation (SMIC)"
    assert smic.listed_on == dt.date(2020, 12, 22) and smic.amended_on == (dt.date(2024, 12, 5),)


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_truncated_csv_is_a_data_error(tmp_path: Path) -> None:
    text = shared("moov-watchman/test_testdata/csl.csv").read_bytes()
    cut = _write(tmp_path, "csl.csv", text[: len(text) // 2])
    with pytest.raises(DataError) as err:
        read_list(cut)
    assert err.value.loc and "csl.csv" in err.value.loc


def test_truncated_sdn_is_a_data_error(tmp_path: Path) -> None:
    text = shared("moov-watchman/test_testdata_static/sdn.csv").read_bytes()
    with pytest.raises(DataError):
        read_list(_write(tmp_path, "sdn.csv", text[:100_001]))


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("empty.csv", b""),
        ("binary.csv", b"\x00\x01\x02PK\x03\x04" * 100),
        ("list.json", b'{"results": [{"name": "A", "source": "Entity List (EL)"'),
        ("lines.jsonl", b'{"id": "x", "schema": "Person", "properties": {}}\n{"id": '),
        ("table.tsv", b"Country\tEntity\tLicense requirement\nCN\tOnly two cells\n"),
        ("notes.txt", b"hello, this is not a list\n"),
        ("list.yaml", b"- name: [unclosed\n"),
    ],
)
def test_bad_files_are_data_errors(tmp_path: Path, name: str, data: bytes) -> None:
    with pytest.raises(DataError):
        read_list(_write(tmp_path, name, data))


def test_wrong_reader_for_a_file_is_an_error() -> None:
    with pytest.raises(DataError):
        read_list(shared("moov-watchman/test_testdata/dpl.txt"), "csl_csv")
    with pytest.raises(InputError):
        read_list(shared("moov-watchman/test_testdata/dpl.txt"), "nonsense")


def test_sdn_side_files_are_refused_alone() -> None:
    with pytest.raises(DataError, match=r"import sdn\.csv"):
        read_list(shared("moov-watchman/test_testdata_static/add.csv"))


def test_a_one_line_csl_json_export_is_read_as_csl_json(tmp_path: Path) -> None:
    """The trade.gov CSL JSON written on one line names the Entity List and a licence
    requirement in its first line; it is still JSON, not an Entity List table."""
    import json

    doc = {
        "total": 1,
        "results": [
            {
                "id": "e1",
                "name": "Example Listed Co., Ltd.",
                "source": "Entity List (EL) - Bureau of Industry and Security",
                "type": "Entity",
                "addresses": [{"country": "CN"}],
                "license_requirement": "For all items subject to the EAR.",
                "license_policy": "Presumption of denial.",
                "start_date": "2024-12-05",
                "federal_register_notice": "89 FR 96830",
            }
        ],
    }
    path = tmp_path / "consolidated.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert detect_format(path) == "csl_json"
    entries = read_list(path).entries
    assert [e.name for e in entries] == ["Example Listed Co., Ltd."]
