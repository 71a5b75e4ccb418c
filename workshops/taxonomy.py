"""Reference taxonomy for shopnet: processes, materials, certifications, common machines.

Pure data (no Django imports) so it can be read by migrations, seed commands, tests and
scripts alike.

Processes
---------
``code`` is the stable ASCII identifier used by the API and filters; never rename one.
``jis_symbol`` is the JIS B 0122 (加工方法記号) processing symbol, filled in *only* where a
public source confirmed it (see ``JIS_SYMBOL_SOURCES``); otherwise it is "" rather than a
guess. Note that ``code`` and ``jis_symbol`` are different things: e.g. the code ``HT``
means "heat treatment in general", while the JIS symbol ``HT`` means tempering (焼戻し) and
appears inside ``HQ-HT`` (焼入れ焼戻し).

Categories match ``workshops.models.Process.Category``.
"""

from __future__ import annotations

PROCESS_CATEGORIES = (
    "cutting",
    "abrasive",
    "edm",
    "forming",
    "joining",
    "heat_treatment",
    "surface",
    "assembly",
    "inspection",
    "other",
)

MATERIAL_CATEGORIES = (
    "stainless",
    "carbon_steel",
    "alloy_steel",
    "tool_steel",
    "cast_iron",
    "aluminium",
    "copper",
    "titanium",
    "nickel_alloy",
    "resin",
)


def _p(code, jis_symbol, name_ja, name_en, category, sort_order):
    return {
        "code": code,
        "jis_symbol": jis_symbol,
        "name_ja": name_ja,
        "name_en": name_en,
        "category": category,
        "sort_order": sort_order,
    }


# fmt: off
PROCESSES = [
    # --- Cutting (切削) -----------------------------------------------------------------
    _p("L",       "L",    "旋削",               "Turning",                      "cutting", 10),
    _p("M",       "M",    "フライス削り",        "Milling",                      "cutting", 20),
    _p("D",       "D",    "穴あけ",             "Drilling",                     "cutting", 30),
    _p("B",       "B",    "中ぐり",             "Boring",                       "cutting", 40),
    _p("REAM",    "",     "リーマ仕上げ",        "Reaming",                      "cutting", 50),
    _p("TAP",     "",     "タップ立て",          "Tapping",                      "cutting", 60),
    _p("P",       "",     "平削り",             "Planing",                      "cutting", 70),
    _p("SH",      "",     "形削り",             "Shaping",                      "cutting", 80),
    _p("BR",      "",     "ブローチ削り",        "Broaching",                    "cutting", 90),
    _p("GEAR",    "",     "歯切り",             "Gear cutting",                 "cutting", 100),
    # --- Grinding and abrasive finishing (研削・砥粒加工) -----------------------------------
    # "G" is the JIS family letter for grinding; honing/lapping/superfinishing sit under it.
    _p("G",       "G",    "研削",               "Grinding",                     "abrasive", 200),
    _p("GE",      "",     "円筒研削",            "Cylindrical grinding",         "abrasive", 210),
    _p("GS",      "",     "平面研削",            "Surface grinding",             "abrasive", 220),
    _p("GI",      "",     "内面研削",            "Internal grinding",            "abrasive", 230),
    _p("GCL",     "",     "センタレス研削",       "Centerless grinding",          "abrasive", 240),
    _p("GH",      "GH",   "ホーニング",          "Honing",                       "abrasive", 250),
    _p("GL",      "GL",   "ラップ仕上げ",        "Lapping",                      "abrasive", 260),
    _p("GSP",     "GSP",  "超仕上げ",            "Superfinishing",               "abrasive", 270),
    # --- Electrical discharge machining (放電加工) ----------------------------------------
    _p("SPED",    "SPED", "放電加工（形彫り）",   "Sinker EDM",                   "edm", 300),
    _p("SPEDW",   "SPEDW", "ワイヤ放電加工",       "Wire EDM",                     "edm", 310),
    # --- Sheet metal: cutting and forming (板金・プレス) -----------------------------------
    _p("LSR",     "",     "レーザー切断",        "Laser cutting",                "forming", 400),
    _p("SMT",     "",     "板金（抜き・曲げ）",   "Sheet metal (punching, bending)", "forming", 410),
    _p("PRS",     "",     "プレス加工",          "Press working",                "forming", 420),
    # --- Joining (溶接) -----------------------------------------------------------------
    _p("WLD",     "",     "溶接（アーク・CO2）",  "Welding (arc / CO2)",          "joining", 500),
    _p("WLD_TIG", "",     "TIG溶接",            "TIG welding",                  "joining", 510),
    _p("WLD_LSR", "",     "レーザー溶接",        "Laser welding",                "joining", 520),
    # --- Heat treatment (熱処理) ---------------------------------------------------------
    # "H" is the JIS family letter for heat treatment.
    _p("HT",      "H",         "熱処理（一般）",          "Heat treatment (general)",           "heat_treatment", 600),
    _p("HT_QT",   "HQ-HT",     "焼入れ焼戻し",            "Quenching and tempering",            "heat_treatment", 610),
    _p("HT_VAC",  "",          "真空熱処理",              "Vacuum heat treatment",              "heat_treatment", 620),
    _p("HT_IND",  "HQI-HT",    "高周波焼入れ焼戻し",       "Induction hardening and tempering",  "heat_treatment", 630),
    _p("HT_CARB", "HCG-HQ-HT", "浸炭焼入れ焼戻し（ガス浸炭）", "Gas carburizing, quench and temper", "heat_treatment", 640),
    # --- Surface treatment (表面処理) ------------------------------------------------------
    _p("SPBF",    "SPBF", "バフ仕上げ",          "Buffing",                      "surface", 700),
    _p("SPBR",    "SPBR", "バレル研磨",          "Barrel finishing",             "surface", 710),
    _p("SB",      "",     "ブラスト",            "Blasting",                     "surface", 720),
    # Electroplating is designated by JIS H 0404 notation on drawings, not by a B 0122 symbol.
    _p("PLT",     "",     "めっき（一般）",       "Plating (general)",            "surface", 730),
    _p("PLT_ENI", "",     "無電解ニッケルめっき",  "Electroless nickel plating",   "surface", 740),
    _p("PLT_HCR", "",     "硬質クロムめっき",     "Hard chrome plating",          "surface", 750),
    _p("ANO",     "",     "アルマイト（陽極酸化）", "Anodizing",                   "surface", 760),
    _p("BLK",     "",     "黒染め",              "Black oxide",                  "surface", 770),
    _p("PNT",     "",     "塗装",               "Painting",                     "surface", 780),
    # --- Assembly and inspection (組立・検査) ----------------------------------------------
    _p("ASM",     "",     "組立",               "Assembly",                     "assembly", 800),
    _p("INS",     "",     "検査",               "Inspection",                   "inspection", 900),
    _p("CMM",     "",     "三次元測定",          "CMM measurement",              "inspection", 910),
]
# fmt: on

# Where each non-empty jis_symbol above was confirmed. Third-party pages, not the standard
# itself; re-check against the JIS B 0122 text before relying on a symbol contractually.
JIS_SYMBOL_SOURCES = {
    # M, D, B and SPEDW as given in the project's own brief (JIS B 0122 symbols it cites).
    "M": ["shopnet brief"],
    "D": ["shopnet brief"],
    "B": ["shopnet brief"],
    "SPEDW": ["shopnet brief"],
    "L": ["https://industry.haleoahu001.com/?p=420"],
    "G": [
        "https://toishi.info/pro/kenma/s.html",
        "https://anm7242.net/pingye.sakura.ne.jp/grinding",
    ],
    "GH": ["https://toishi.info/pro/kenma/s.html"],
    "GL": ["https://toishi.info/pro/kenma/s.html"],
    "GSP": ["https://toishi.info/pro/kenma/s.html"],
    "SPED": ["https://industry.haleoahu001.com/?p=437"],
    "HT": ["https://daiichis.work/?p=545"],
    "HT_QT": ["https://daiichis.work/?p=545", "https://mech.tmnu.com/TMD/TMD_F_0201.html"],
    "HT_IND": ["https://mech.tmnu.com/TMD/TMD_F_0201.html"],
    "HT_CARB": ["https://mech.tmnu.com/TMD/TMD_F_0201.html"],
    "SPBF": [
        "https://toishi.info/pro/kenma/s.html",
        "https://www.polishing-qcd.net/knowledge/drawing-symbols.html",
    ],
    "SPBR": [
        "https://toishi.info/pro/kenma/s.html",
        "https://www.polishing-qcd.net/knowledge/drawing-symbols.html",
    ],
}


def _m(code, name_ja, name_en, category, sort_order):
    return {
        "code": code,
        "name_ja": name_ja,
        "name_en": name_en,
        "category": category,
        "sort_order": sort_order,
    }


# fmt: off
MATERIALS = [
    # Stainless steels
    _m("SUS303",     "SUS303（快削ステンレス）",      "SUS303 free-cutting stainless steel", "stainless", 10),
    _m("SUS304",     "SUS304",                     "SUS304 stainless steel",              "stainless", 20),
    _m("SUS316L",    "SUS316L",                    "SUS316L stainless steel",             "stainless", 30),
    _m("SUS420J2",   "SUS420J2（マルテンサイト系）",  "SUS420J2 martensitic stainless steel", "stainless", 40),
    _m("SUS440C",    "SUS440C",                    "SUS440C martensitic stainless steel", "stainless", 50),
    _m("SUS630",     "SUS630（析出硬化系）",         "SUS630 (17-4PH) stainless steel",     "stainless", 60),
    # Carbon steels
    _m("SS400",      "SS400（一般構造用圧延鋼）",     "SS400 structural steel",              "carbon_steel", 100),
    _m("S15CK",      "S15CK（肌焼鋼）",              "S15CK case-hardening steel",          "carbon_steel", 110),
    _m("S45C",       "S45C",                       "S45C carbon steel",                   "carbon_steel", 120),
    _m("S50C",       "S50C",                       "S50C carbon steel",                   "carbon_steel", 130),
    _m("SUM24L",     "SUM24L（快削鋼）",             "SUM24L free-cutting steel",           "carbon_steel", 140),
    _m("SPCC",       "SPCC（冷間圧延鋼板）",          "SPCC cold-rolled steel sheet",        "carbon_steel", 150),
    _m("SPHC",       "SPHC（熱間圧延鋼板）",          "SPHC hot-rolled steel sheet",         "carbon_steel", 160),
    _m("SECC",       "SECC（電気亜鉛めっき鋼板）",     "SECC electrogalvanized steel sheet",  "carbon_steel", 170),
    # Alloy steels
    _m("SCM415",     "SCM415（クロムモリブデン鋼）",   "SCM415 chromium-molybdenum steel",    "alloy_steel", 200),
    _m("SCM435",     "SCM435（クロムモリブデン鋼）",   "SCM435 chromium-molybdenum steel",    "alloy_steel", 210),
    _m("SCM440",     "SCM440（クロムモリブデン鋼）",   "SCM440 chromium-molybdenum steel",    "alloy_steel", 220),
    _m("SNCM439",    "SNCM439（ニッケルクロムモリブデン鋼）", "SNCM439 nickel-chromium-molybdenum steel", "alloy_steel", 230),
    _m("SUJ2",       "SUJ2（高炭素クロム軸受鋼）",     "SUJ2 bearing steel",                  "alloy_steel", 240),
    # Tool steels
    _m("SK105",      "SK105（炭素工具鋼）",           "SK105 carbon tool steel",             "tool_steel", 300),
    _m("SKS3",       "SKS3（合金工具鋼）",            "SKS3 alloy tool steel",               "tool_steel", 310),
    _m("SKD11",      "SKD11（冷間金型用）",           "SKD11 cold-work die steel",           "tool_steel", 320),
    _m("SKD61",      "SKD61（熱間金型用）",           "SKD61 hot-work die steel",            "tool_steel", 330),
    _m("SKH51",      "SKH51（高速度工具鋼）",          "SKH51 high-speed tool steel",         "tool_steel", 340),
    # Cast iron
    _m("FC250",      "FC250（ねずみ鋳鉄）",           "FC250 grey cast iron",                "cast_iron", 400),
    _m("FCD450",     "FCD450（球状黒鉛鋳鉄）",        "FCD450 ductile cast iron",            "cast_iron", 410),
    # Aluminium
    _m("A1050",      "A1050（純アルミ）",             "A1050 pure aluminium",                "aluminium", 500),
    _m("A2017",      "A2017（ジュラルミン）",          "A2017 duralumin",                     "aluminium", 510),
    _m("A5052",      "A5052",                      "A5052 aluminium alloy",               "aluminium", 520),
    _m("A5056",      "A5056",                      "A5056 aluminium alloy",               "aluminium", 530),
    _m("A6061",      "A6061",                      "A6061 aluminium alloy",               "aluminium", 540),
    _m("A6063",      "A6063（押出材）",               "A6063 aluminium extrusion alloy",     "aluminium", 550),
    _m("A7075",      "A7075（超々ジュラルミン）",       "A7075 aluminium alloy",               "aluminium", 560),
    # Copper and copper alloys
    _m("C1100",      "C1100（タフピッチ銅）",          "C1100 tough-pitch copper",            "copper", 600),
    _m("C2801",      "C2801（黄銅板）",               "C2801 brass sheet",                   "copper", 610),
    _m("C3604",      "C3604（快削黄銅）",             "C3604 free-cutting brass",            "copper", 620),
    _m("C5191",      "C5191（りん青銅）",             "C5191 phosphor bronze",               "copper", 630),
    _m("CAC406",     "CAC406（青銅鋳物、旧BC6）",      "CAC406 bronze casting (formerly BC6)", "copper", 640),
    # Titanium
    _m("TI_GR2",     "純チタン 2種",                 "Commercially pure titanium, grade 2", "titanium", 700),
    _m("TI_GR5",     "チタン合金 Ti-6Al-4V（60種）",   "Ti-6Al-4V titanium alloy (grade 5)",  "titanium", 710),
    # Nickel alloys
    _m("INCONEL718", "インコネル718（NCF718相当）",     "Inconel 718 (NCF718)",                "nickel_alloy", 800),
    # Resins / engineering plastics
    _m("POM",        "POM（ポリアセタール）",          "POM (acetal)",                        "resin", 900),
    _m("MC_NYLON",   "MCナイロン",                   "MC cast nylon",                       "resin", 910),
    _m("PEEK",       "PEEK",                       "PEEK",                                "resin", 920),
    _m("PTFE",       "PTFE（テフロン）",              "PTFE",                                "resin", 930),
    _m("ABS",        "ABS樹脂",                     "ABS",                                 "resin", 940),
    _m("PC",         "ポリカーボネート",               "Polycarbonate",                       "resin", 950),
    _m("PMMA",       "アクリル（PMMA）",              "Acrylic (PMMA)",                      "resin", 960),
]
# fmt: on


def _c(code, name_ja, name_en, sort_order):
    return {"code": code, "name_ja": name_ja, "name_en": name_en, "sort_order": sort_order}


# fmt: off
CERTIFICATIONS = [
    _c("ISO9001",      "ISO 9001（品質マネジメント）",            "ISO 9001 quality management",                 10),
    _c("ISO14001",     "ISO 14001（環境マネジメント）",           "ISO 14001 environmental management",          20),
    _c("JISQ9100",     "JIS Q 9100（航空・宇宙・防衛）",          "JIS Q 9100 aerospace quality management",     30),
    _c("IATF16949",    "IATF 16949（自動車）",                  "IATF 16949 automotive quality management",    40),
    _c("ISO13485",     "ISO 13485（医療機器）",                  "ISO 13485 medical devices",                   50),
    _c("ISO_IEC17025", "ISO/IEC 17025（試験所・校正機関）",        "ISO/IEC 17025 testing and calibration",       60),
    _c("NADCAP",       "Nadcap（航空宇宙特殊工程）",              "Nadcap aerospace special processes",          70),
    _c("ECO_ACTION21", "エコアクション21",                        "Eco Action 21",                               80),
    _c("KES",          "KES環境マネジメントシステム",              "KES environmental management system",         90),
    _c("JIS_WELDER",   "JIS溶接技能者 在籍",                     "JIS-certified welders on staff",             100),
]
# fmt: on


# Real machines commonly seen in small Japanese shops, by process code. Tuples are
# (maker, model); maker names in Japanese. Every process code has a key: processes done
# without dedicated machines (assembly) map to an empty list, and so do planing/shaping,
# where shops run legacy machines no longer in any maker's catalogue.
# fmt: off
MACHINE_CATALOG: dict[str, list[tuple[str, str]]] = {
    "L": [
        ("ヤマザキマザック", "QUICK TURN 250MY"),
        ("オークマ", "LB3000 EX II"),
        ("オークマ", "GENOS L250"),
        ("DMG森精機", "NLX2500"),
        ("DMG森精機", "CLX 350"),
        ("滝澤鉄工所", "TCC-2000"),
        ("シチズンマシナリー", "Cincom L20"),
        ("シチズンマシナリー", "Miyano BNE-51MSY"),
        ("スター精密", "SR-20JII"),
        ("森精機製作所", "MS-850"),          # legacy manual lathe, still common
        ("ワシノ機械", "LEO-80A"),           # manual lathe
    ],
    "M": [
        ("ファナック", "ROBODRILL α-D21MiB5"),
        ("ブラザー工業", "SPEEDIO S700X2"),
        ("牧野フライス製作所", "V33i"),
        ("牧野フライス製作所", "PS95"),
        ("オークマ", "MB-46VAE"),
        ("オークマ", "GENOS M560-V"),
        ("ヤマザキマザック", "VCN-530C"),
        ("ヤマザキマザック", "VARIAXIS i-600"),
        ("DMG森精機", "NVX5080"),
        ("DMG森精機", "DMU 50"),
        ("碌々産業", "Android II"),
        ("静岡鐵工所", "VHR-SD"),            # knee-type milling machine
    ],
    "D": [
        ("ファナック", "ROBODRILL α-D14SiB5"),
        ("ブラザー工業", "SPEEDIO S300X2"),
        ("ブラザー工業", "SPEEDIO S500X2"),
    ],
    "B": [
        ("牧野フライス製作所", "a51nx"),
        ("オークマ", "MA-600HII"),
        ("DMG森精機", "NHX 5000"),
        ("ヤマザキマザック", "HCN-5000"),
    ],
    "REAM": [
        ("ファナック", "ROBODRILL α-D14SiB5"),
        ("ブラザー工業", "SPEEDIO S300X2"),
    ],
    "TAP": [
        ("ファナック", "ROBODRILL α-D14SiB5"),
        ("ブラザー工業", "SPEEDIO S300X2"),
        ("ブラザー工業", "SPEEDIO S500X2"),
    ],
    "P": [],
    "SH": [],
    "BR": [
        ("不二越", "立形ブローチ盤"),
    ],
    "GEAR": [
        ("カシフジ", "KE251"),
        ("ニデックマシンツール", "GE15A"),
    ],
    "G": [
        ("岡本工作機械製作所", "PSG-63DX"),
        ("岡本工作機械製作所", "PSG-52DX"),
        ("ジェイテクト", "GE4i"),
    ],
    "GE": [
        ("ジェイテクト", "GE4i"),
        ("スチューダー", "S33"),
    ],
    "GS": [
        ("岡本工作機械製作所", "PSG-63DX"),
        ("岡本工作機械製作所", "PSG-52DX"),
    ],
    "GI": [
        ("岡本工作機械製作所", "IGM-15NCIII"),
    ],
    "GCL": [
        ("ミクロン精密", "MPC-600"),
    ],
    "GH": [
        ("サンネン", "SV-1000"),
    ],
    "GL": [
        ("浜井産業", "両面ラップ盤 9B"),
    ],
    "GSP": [
        ("松田精機", "超仕上げ装置"),
    ],
    "SPED": [
        ("ソディック", "AD35L"),
        ("三菱電機", "EA12V"),
        ("牧野フライス製作所", "EDAF2"),
    ],
    "SPEDW": [
        ("ソディック", "ALN400G"),
        ("ソディック", "AG40L"),
        ("三菱電機", "MV2400R"),
        ("ファナック", "ROBOCUT α-C400iC"),
        ("牧野フライス製作所", "U3"),
    ],
    "LSR": [
        ("アマダ", "ENSIS-3015AJ"),
        ("トルンプ", "TruLaser 3030"),
    ],
    "SMT": [
        ("アマダ", "HG-1303"),
        ("アマダ", "EG-6013"),
        ("アマダ", "EM-2510NT"),
        ("村田機械", "MOTORUM-2048LJ"),
    ],
    "PRS": [
        ("アイダエンジニアリング", "NC1-80"),
        ("コマツ産機", "OBS80-3"),
    ],
    "WLD": [
        ("パナソニック", "YD-350GR3"),
        ("ダイヘン", "DM-350"),
    ],
    "WLD_TIG": [
        ("ダイヘン", "DA300P"),
        ("パナソニック", "YC-300BP4"),
    ],
    "WLD_LSR": [
        ("アマダウエルドテック", "ML-2450A"),
        ("アマダ", "FLW-3000ENSIS"),
    ],
    "HT": [
        ("中外炉工業", "真空熱処理炉"),
        ("DOWAサーモテック", "雰囲気熱処理炉"),
    ],
    "HT_QT": [
        ("中外炉工業", "真空熱処理炉"),
        ("DOWAサーモテック", "雰囲気熱処理炉"),
    ],
    "HT_VAC": [
        ("中外炉工業", "真空熱処理炉"),
        ("IHI機械システム", "真空焼入れ炉"),
    ],
    "HT_IND": [
        ("富士電子工業", "高周波焼入装置"),
    ],
    "HT_CARB": [
        ("DOWAサーモテック", "ガス浸炭炉"),
    ],
    "SPBF": [
        ("マキタ", "9237CB"),
    ],
    "SPBR": [
        ("チップトン", "振動バレル研磨機"),
    ],
    "SB": [
        ("不二製作所", "ニューマブラスター"),
        ("新東工業", "ショットブラスト装置"),
    ],
    "PLT": [
        ("中央製作所", "めっき用整流器"),
    ],
    "PLT_ENI": [
        ("中央製作所", "めっき用整流器"),
        ("自社製作", "無電解ニッケルめっき槽"),
    ],
    "PLT_HCR": [
        ("中央製作所", "めっき用整流器"),
        ("自社製作", "硬質クロムめっき槽"),
    ],
    "ANO": [
        ("中央製作所", "アルマイト用整流器"),
    ],
    "BLK": [
        ("自社製作", "黒染め処理槽"),
    ],
    "PNT": [
        ("アネスト岩田", "W-101"),
        ("旭サナック", "静電塗装機"),
    ],
    "ASM": [],
    "INS": [
        ("ミツトヨ", "SJ-410"),
        ("ミツトヨ", "CV-3200"),
        ("ミツトヨ", "QV Apex 302"),
        ("キーエンス", "IM-8000"),
    ],
    "CMM": [
        ("ミツトヨ", "CRYSTA-Apex V 544"),
        ("東京精密", "XYZAX SVA NEX"),
        ("カールツァイス", "CONTURA"),
    ],
}
# fmt: on


def process_codes() -> set[str]:
    return {p["code"] for p in PROCESSES}


def material_codes() -> set[str]:
    return {m["code"] for m in MATERIALS}


def certification_codes() -> set[str]:
    return {c["code"] for c in CERTIFICATIONS}


def get_process(code: str) -> dict:
    for p in PROCESSES:
        if p["code"] == code:
            return p
    raise KeyError(code)


def _check_codes(rows, kind, max_len):
    codes = [r["code"] for r in rows]
    dupes = sorted({c for c in codes if codes.count(c) > 1})
    assert not dupes, f"duplicate {kind} codes: {dupes}"
    for c in codes:
        assert c.isascii() and c == c.upper() and " " not in c, f"bad {kind} code {c!r}"
        assert c and len(c) <= max_len, f"{kind} code {c!r} longer than {max_len}"
    orders = [r["sort_order"] for r in rows]
    assert orders == sorted(orders) and len(set(orders)) == len(orders), (
        f"{kind} sort_order must be strictly increasing"
    )
    for r in rows:
        assert r["name_ja"] and r["name_en"], f"{kind} {r['code']} needs both names"


def validate() -> None:
    """Assert the taxonomy is internally consistent. Returns None."""
    _check_codes(PROCESSES, "process", 16)  # Process.code max_length
    _check_codes(MATERIALS, "material", 24)  # Material.code max_length
    _check_codes(CERTIFICATIONS, "certification", 24)
    for p in PROCESSES:
        assert p["category"] in PROCESS_CATEGORIES, p
        assert len(p["jis_symbol"]) <= 16, p
        assert p["jis_symbol"] == "" or p["code"] in JIS_SYMBOL_SOURCES, (
            f"process {p['code']}: jis_symbol without a recorded source"
        )
    for code in JIS_SYMBOL_SOURCES:
        assert get_process(code)["jis_symbol"], f"source recorded for blank symbol {code}"
    for m in MATERIALS:
        assert m["category"] in MATERIAL_CATEGORIES, m
    assert set(MACHINE_CATALOG) == process_codes(), (
        "MACHINE_CATALOG must have exactly one key per process code: "
        f"missing {sorted(process_codes() - set(MACHINE_CATALOG))}, "
        f"unknown {sorted(set(MACHINE_CATALOG) - process_codes())}"
    )
    for code, machines in MACHINE_CATALOG.items():
        assert len(machines) == len(set(machines)), f"duplicate machine under {code}"
        for entry in machines:
            assert isinstance(entry, tuple) and len(entry) == 2 and all(entry), (code, entry)
