"""A labelled screening set built from real lists.

Positives: variants of real OFAC SDN names (typos, word order, dropped or changed legal
forms, abbreviations, and for Chinese parties the name in Chinese script or in pinyin).
Negatives: real names that are not on the SDN list: the other lists of the Consolidated
Screening List sample, the Denied Persons List, our Entity List rows, and well-known
companies of the chip industry and beyond.

Everything is deterministic for a seed. Chinese-script variants are made by writing each
pinyin syllable with a character of that sole reading and the usual Chinese word for generic
English words (Technology -> 科技); half are then converted to traditional characters.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from pathlib import Path

from opencc import OpenCC
from pypinyin import Style, pinyin

from chipcontrols.screening.lists import read_list
from chipcontrols.screening.lists.snapshots import bundled_snapshot
from chipcontrols.screening.model import ListEntry
from chipcontrols.screening.names.normalise import normalise

LISTS = Path(__file__).resolve().parents[2] / "shared" / "data" / "lists"
SDN_FILE = LISTS / "moov-watchman" / "test_testdata_static" / "sdn.csv"
NEGATIVE_FILES = (
    LISTS / "moov-watchman" / "test_testdata" / "csl.csv",
    LISTS / "moov-watchman" / "internal_cslustest_testdata" / "consolidated.csv",
    LISTS / "moov-watchman" / "test_testdata" / "dpl.txt",
    LISTS / "moov-watchman" / "test_testdata_bench" / "dpl.txt",
)

# Real companies, none of them on the SDN list of the sample.
COMPANIES = """
Taiwan Semiconductor Manufacturing Company Limited; Samsung Electronics Co., Ltd.; Intel Corporation
ASML Holding N.V.; Applied Materials, Inc.; Lam Research Corporation; KLA Corporation
Tokyo Electron Limited; NVIDIA Corporation; Advanced Micro Devices, Inc.; Qualcomm Incorporated
Broadcom Inc.; Texas Instruments Incorporated; Micron Technology, Inc.; SK hynix Inc.
GlobalFoundries Inc.; United Microelectronics Corporation; Infineon Technologies AG
STMicroelectronics N.V.; NXP Semiconductors N.V.; Renesas Electronics Corporation
Analog Devices, Inc.; Marvell Technology, Inc.; MediaTek Inc.; Nanya Technology Corporation
Powerchip Semiconductor Manufacturing Corporation; Vanguard International Semiconductor Corporation
Tower Semiconductor Ltd.; ASM International N.V.; ASM Pacific Technology Limited
Advantest Corporation
Screen Holdings Co., Ltd.; Kokusai Electric Corporation; Lasertec Corporation; Disco Corporation
Nikon Corporation; Canon Inc.; JEOL Ltd.; Hitachi High-Tech Corporation; Ebara Corporation
Shin-Etsu Chemical Co., Ltd.; SUMCO Corporation; Siltronic AG; GlobalWafers Co., Ltd.
Entegris, Inc.; Cadence Design Systems, Inc.; Synopsys, Inc.; Arm Holdings plc; Ansys, Inc.
Teradyne, Inc.; Onto Innovation Inc.; Axcelis Technologies, Inc.; Veeco Instruments Inc.
Aixtron SE; Carl Zeiss SMT GmbH; Trumpf SE + Co. KG; Jenoptik AG; Soitec SA
Amkor Technology, Inc.; ASE Technology Holding Co., Ltd.; JCET Group Co., Ltd.
Foxconn Industrial Internet Co., Ltd.; Hon Hai Precision Industry Co., Ltd.; Pegatron Corporation
Quanta Computer Inc.; Wistron Corporation; Compal Electronics, Inc.; Inventec Corporation
Lenovo Group Limited; Xiaomi Corporation; BYD Company Limited; Alibaba Group Holding Limited
Tencent Holdings Limited; Baidu, Inc.; JD.com, Inc.; NetEase, Inc.; Meituan
Contemporary Amperex Technology Co., Limited; BOE Technology Group Co., Ltd.
TCL Technology Group Corporation
Haier Smart Home Co., Ltd.; Midea Group Co., Ltd.; Gree Electric Appliances, Inc. of Zhuhai
China Merchants Bank Co., Ltd.; Ping An Insurance (Group) Company of China, Ltd.
Industrial and Commercial Bank of China Limited; Bank of China Limited
China Construction Bank Corporation
Agricultural Bank of China Limited; China Mobile Limited; China Telecom Corporation Limited
PetroChina Company Limited; Sinopec Shanghai Petrochemical Company Limited
Apple Inc.; Microsoft Corporation; Alphabet Inc.; Amazon.com, Inc.; Meta Platforms, Inc.
Oracle Corporation; International Business Machines Corporation; Cisco Systems, Inc.
Dell Technologies Inc.
HP Inc.; Hewlett Packard Enterprise Company; Siemens AG; Robert Bosch GmbH; Continental AG
Volkswagen AG; Bayerische Motoren Werke AG; Mercedes-Benz Group AG; BASF SE; Bayer AG
SAP SE; Deutsche Telekom AG; Deutsche Bank AG; Allianz SE; Airbus SE; Thales S.A.; Safran S.A.
Schneider Electric SE; TotalEnergies SE; L'Oreal S.A.; LVMH Moet Hennessy Louis Vuitton SE
Nestle S.A.; Novartis AG; Roche Holding AG; ABB Ltd; UBS Group AG; Zurich Insurance Group AG
Unilever PLC; BP p.l.c.; Shell plc; HSBC Holdings plc; Barclays PLC; Rolls-Royce Holdings plc
BAE Systems plc; GSK plc; AstraZeneca PLC; Vodafone Group Plc; Tesco PLC
Toyota Motor Corporation; Honda Motor Co., Ltd.; Sony Group Corporation
Panasonic Holdings Corporation
Toshiba Corporation; Mitsubishi Electric Corporation; Fujitsu Limited; NEC Corporation
Kyocera Corporation; Murata Manufacturing Co., Ltd.; TDK Corporation; Rohm Co., Ltd.
LG Electronics Inc.; Hyundai Motor Company; POSCO Holdings Inc.; Samsung SDI Co., Ltd.
Infosys Limited; Tata Consultancy Services Limited; Reliance Industries Limited; Wipro Limited
Petroleo Brasileiro S.A.; Vale S.A.; America Movil, S.A.B. de C.V.; Cemex, S.A.B. de C.V.
Grupo Bimbo, S.A.B. de C.V.; Banco Santander, S.A.; Telefonica, S.A.; Iberdrola, S.A.; Inditex
Enel S.p.A.; Eni S.p.A.; Intesa Sanpaolo S.p.A.; UniCredit S.p.A.; Leonardo S.p.A.
Koninklijke Philips N.V.; Heineken N.V.; ING Groep N.V.; Nokia Oyj; Telefonaktiebolaget LM Ericsson
Volvo AB; Atlas Copco AB; Novo Nordisk A/S; Maersk A/S; Equinor ASA; Norsk Hydro ASA
Emirates Telecommunications Group Company PJSC; Saudi Arabian Oil Company
Qatar Airways Group Q.C.S.C.
Singapore Telecommunications Limited; DBS Group Holdings Ltd; Keppel Corporation Limited
BHP Group Limited; Rio Tinto Limited; Commonwealth Bank of Australia; Telstra Group Limited
""".replace("\n", ";")

GENERIC_HAN = {
    "technology": "科技",
    "technologies": "科技",
    "tech": "科技",
    "electronics": "电子",
    "electronic": "电子",
    "information": "信息",
    "trading": "贸易",
    "trade": "贸易",
    "industry": "实业",
    "industries": "实业",
    "industrial": "工业",
    "international": "国际",
    "import": "进出口",
    "investment": "投资",
    "development": "发展",
    "machinery": "机械",
    "equipment": "设备",
    "materials": "材料",
    "material": "材料",
    "group": "集团",
    "china": "中国",
    "hongkong": "香港",
    "science": "科学",
    "semiconductor": "半导体",
    "communication": "通信",
    "logistics": "物流",
    "energy": "能源",
    "chemical": "化工",
    "shipping": "航运",
    "bank": "银行",
}
HAN_FORMS = {
    "co ltd": "有限公司",
    "ltd": "有限公司",
    "limited": "有限公司",
    "co": "公司",
    "company": "公司",
}
GENERIC_PINYIN = {
    "technology": "Keji",
    "technologies": "Keji",
    "electronics": "Dianzi",
    "trading": "Maoyi",
    "industry": "Shiye",
    "industries": "Shiye",
    "international": "Guoji",
    "investment": "Touzi",
    "development": "Fazhan",
    "equipment": "Shebei",
    "materials": "Cailiao",
    "information": "Xinxi",
    "group": "Jituan",
}
ABBREVIATE = {
    "international": "Intl",
    "company": "Co",
    "corporation": "Corp",
    "limited": "Ltd",
    "manufacturing": "Mfg",
    "technology": "Tech",
    "technologies": "Tech",
    "industries": "Inds",
    "industrial": "Ind",
    "incorporated": "Inc",
    "national": "Natl",
    "engineering": "Engg",
    "holdings": "Hldgs",
    "services": "Svcs",
    "management": "Mgmt",
    "development": "Dev",
    "equipment": "Eqpt",
    "brothers": "Bros",
    "and": "&",
    "university": "Univ",
    "institute": "Inst",
}
LEGAL_SWAPS = [
    (r"\bCO\.?,? LTD\.?$", "COMPANY LIMITED"),
    (r"\bCOMPANY LIMITED$", "CO., LTD."),
    (r"\bLIMITED$", "LTD"),
    (r"\bLTD\.?$", "LIMITED"),
    (r"\bL\.?L\.?C\.?$", "LIMITED LIABILITY COMPANY"),
    (r"\bINC\.?$", "INCORPORATED"),
    (r"\bCORP(ORATION)?\.?$", "COMPANY"),
    (r"\bS\.A\.$", "SA DE CV"),
    (r"\bGMBH$", "AG"),
    (r"\bJSC$", "OJSC"),
]
LEGAL_DROP = re.compile(
    r",?\s*\b(CO\.?,? LTD\.?|COMPANY LIMITED|LIMITED LIABILITY COMPANY|LIMITED|LTD\.?|"
    r"L\.?L\.?C\.?|INC\.?|CORP(ORATION)?\.?|S\.?A\.? DE C\.?V\.?|S\. DE R\.L\.( DE C\.V\.)?|"
    r"S\.?A\.?|GMBH|JSC|OJSC|CJSC|PJSC|PLC|CO\.)$",
    re.I,
)


@dataclass(frozen=True)
class Case:
    query: str
    country: str | None
    expected: str | None  # entry id, or None for a negative
    variant: str
    schema: str


def _syllables() -> dict[str, str]:
    """One common character (GB 2312 level 1) per pinyin syllable, of a single reading."""
    table: dict[str, str] = {}
    for hi in range(0xB0, 0xD8):
        for lo in range(0xA1, 0xFF):
            try:
                ch = bytes([hi, lo]).decode("gb2312")
            except UnicodeDecodeError:
                continue
            readings = pinyin(ch, style=Style.NORMAL, heteronym=True)[0]
            syl = readings[0]
            if len(readings) == 1 and len(syl) >= 2 and syl.isalpha() and syl not in table:
                table[syl] = ch
    return table


def _segment(word: str, table: dict[str, str]) -> list[str] | None:
    """Split a pinyin word into syllables (longest first), or None."""
    word = word.lower()
    if not word:
        return []
    for n in range(min(6, len(word)), 0, -1):
        head = word[:n]
        if head in table:
            rest = _segment(word[n:], table)
            if rest is not None:
                return [head, *rest]
    return None


class Variants:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.table = _syllables()
        self.s2t = OpenCC("s2t")

    def typo(self, name: str) -> str:
        words = name.split()
        idx = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
        if not idx:
            return name
        for i in self.rng.sample(idx, min(len(idx), self.rng.choice((1, 1, 2)))):
            w = words[i]
            p = self.rng.randrange(1, len(w) - 1)
            op = self.rng.choice(("sub", "del", "ins", "swap"))
            ch = self.rng.choice("aeiourstnl")
            if op == "sub":
                w = w[:p] + ch + w[p + 1 :]
            elif op == "del":
                w = w[:p] + w[p + 1 :]
            elif op == "ins":
                w = w[:p] + ch + w[p:]
            else:
                w = w[: p - 1] + w[p] + w[p - 1] + w[p + 1 :]
            words[i] = w
        return " ".join(words)

    def word_order(self, name: str, person: bool) -> str:
        if person and "," in name:
            last, _, first = name.partition(",")
            return f"{first.strip()} {last.strip()}"
        core = LEGAL_DROP.sub("", name).strip(" ,")
        form = name[len(core) :]
        words = core.split()
        if "HONG KONG" in core.upper():
            return name
        if len(words) < 2:
            return name
        for _ in range(5):
            self.rng.shuffle(words)
            if " ".join(words) != core:
                break
        return " ".join(words) + form

    def drop_form(self, name: str) -> str:
        return LEGAL_DROP.sub("", name).strip(" ,")

    def change_form(self, name: str) -> str:
        for pattern, repl in LEGAL_SWAPS:
            new = re.sub(pattern, repl, name, count=1, flags=re.I)
            if new != name:
                return new
        return name

    def abbreviate(self, name: str) -> str:
        words = name.split()
        out = [ABBREVIATE.get(w.lower().strip(",."), w) for w in words]
        return " ".join(out)

    def hanzi(self, name: str) -> str | None:
        """Pinyin words in characters, generic words translated, other words left in Latin."""
        text = " ".join(name.lower().replace(",", " ").replace(".", " ").split())
        text = text.replace("hong kong", "hongkong")
        form = ""
        for key, han in HAN_FORMS.items():
            if text.endswith(" " + key):
                text = text[: -len(key)]
                form = han
                break
        out = []
        pinyin_words = 0
        for w in text.split():
            if w in GENERIC_HAN:
                out.append(GENERIC_HAN[w])
                continue
            sylls = _segment(w, self.table)
            if sylls is None or len(sylls) > 4:
                out.append(" " + w.upper() + " ")
                continue
            out.append("".join(self.table[x] for x in sylls))
            pinyin_words += 1
        if not pinyin_words:
            return None
        result = " ".join("".join(out).split()) + form
        return self.s2t.convert(result) if self.rng.random() < 0.5 else result

    def pinyin(self, name: str) -> str | None:
        words = name.replace(",", " ").replace(".", " ").split()
        out = [GENERIC_PINYIN.get(w.lower(), w) for w in words]
        low = " ".join(out).lower()
        low = re.sub(r"\b(co ltd|company limited|limited|ltd)$", "youxian gongsi", low)
        if low == " ".join(words).lower():
            return None
        return low.title()


def build_cases(
    seed: int = 7, n_entities: int = 500, n_people: int = 150
) -> tuple[list[ListEntry], list[Case]]:
    rng = random.Random(seed)
    sdn = read_list(SDN_FILE).entries
    variants = Variants(rng)
    orgs = [e for e in sdn if e.schema == "Organization"]
    people = [e for e in sdn if e.schema == "Person"]
    chinese = [e for e in orgs if {"CN", "HK"} & set(e.countries)]
    picks = rng.sample(orgs, min(n_entities, len(orgs)))
    picks += [e for e in chinese if e not in picks]
    cases: list[Case] = []

    def add(entry: ListEntry, query: str | None, variant: str, country: str | None = None) -> None:
        if query and query.strip() and normalise(query).tokens:
            cc = (
                country
                if country is not None
                else (entry.countries[0] if entry.countries and rng.random() < 0.5 else None)
            )
            cases.append(Case(query, cc, entry.id, variant, entry.schema))

    for e in picks:
        name = e.name
        add(e, variants.typo(name), "typo")
        add(e, variants.word_order(name, False), "word_order")
        if LEGAL_DROP.search(name):
            add(e, variants.drop_form(name), "legal_form_dropped")
        changed = variants.change_form(name)
        if changed != name:
            add(e, changed, "legal_form_changed")
        abbr = variants.abbreviate(name)
        if abbr != name:
            add(e, abbr, "abbreviation")
        if e in chinese:
            for n in (name, *e.aliases):
                han = variants.hanzi(n)
                if han:
                    add(e, han, "hanzi", "CN")
                    break
            py = variants.pinyin(name)
            if py:
                add(e, py, "pinyin", "CN")
    for e in rng.sample(people, min(n_people, len(people))):
        add(e, variants.typo(e.name), "typo")
        add(e, variants.word_order(e.name, True), "word_order")
    # negatives: real names that are not on the SDN list
    listed = {normalise(n).tokens for e in sdn for n in e.all_names()}
    seen: set[tuple[str, ...]] = set()

    def negative(name: str, country: str | None, schema: str) -> None:
        key = normalise(name).tokens
        if key and key not in listed and key not in seen:
            seen.add(key)
            cases.append(Case(name, country, None, "negative", schema))

    for path in NEGATIVE_FILES:
        for e in read_list(path).entries:
            if e.list != "SDN":
                negative(e.name, e.countries[0] if e.countries else None, e.schema)
    for e in bundled_snapshot().entries:
        negative(e.name, "CN", "Organization")
    for name in COMPANIES.split(";"):
        if name.strip():
            negative(name.strip(), None, "Organization")
    return sdn, cases
