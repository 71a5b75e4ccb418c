"""Demo data: a believable machine-shop district shaped like Tokyo's Ota ward (大田区).

Pure data (no Django imports). The real ward has about 4,200 small manufacturers, roughly
70% of them with nine staff or fewer, each expert in one or two processes; a few "hub"
shops take customer orders, do assembly and inspection, and route the other steps to peers
(仲間まわし). The shops, people and addresses below are fictional; street addresses are
made up inside real neighbourhoods, with postal codes and coordinates that match them.

Conventions
-----------
* Sizes are the work envelope in mm: (length, width, height). For turning and cylindrical
  grinding it is (length, diameter, diameter); for sheet work (length, width, thickness
  or part height).
* ``tolerance_um`` is the tolerance the shop routinely holds. For heat treatment it is the
  distortion allowance, for plating/anodizing the film-thickness tolerance, for
  inspection/CMM the measurement uncertainty.
* An empty ``materials`` list means "not material-specific" (assembly, inspection).
* A machine serving several capabilities of one workshop appears in each of them with the
  same count; loaders should create it once per workshop (key: maker + model).
"""

from __future__ import annotations

import math
import uuid

from . import taxonomy
from .taxonomy import MACHINE_CATALOG

DEMO_PASSWORD = "shopnet-demo"

# Demo and scale workshops get stable UUIDs derived from their keys, so a re-run finds them.
DEMO_NAMESPACE = uuid.UUID("5b0c7d0e-8a53-4d5e-9f1e-3d2a8c1b6f00")


def demo_uuid(key: str) -> uuid.UUID:
    return uuid.uuid5(DEMO_NAMESPACE, key)


DISTRICT = {
    "slug": "ota",
    "name_ja": "大田区工業連合会（デモ）",
    "name_en": "Ota City Industrial Federation (demo)",
    "prefecture": "東京都",
}

# A smaller local association in the south-east of the ward (Kojiya, Haneda, Rokugo);
# its members also belong to the ward-wide one.
SECOND_DISTRICT = {
    "slug": "kamata-south",
    "name_ja": "蒲田南部工業会（デモ）",
    "name_en": "South Kamata Manufacturers' Association (demo)",
    "prefecture": "東京都",
}

# Figures the demo is shaped after (for dashboards and copy; not loaded as rows).
DISTRICT_PROFILE = {
    "slug": "ota",
    "approx_manufacturers": 4200,
    "share_with_9_or_fewer_staff": 0.70,
}

# Rough bounding box of Ota ward used to sanity-check coordinates.
OTA_BBOX = {"lat_min": 35.53, "lat_max": 35.61, "lng_min": 139.67, "lng_max": 139.79}

# Neighbourhood (町名) -> (postal code, approximate centre lat, lng).
_TOWNS = {
    "下丸子": ("146-0092", 35.5710, 139.6855),
    "矢口": ("146-0093", 35.5645, 139.6905),
    "東矢口": ("146-0094", 35.5655, 139.6985),
    "多摩川": ("146-0095", 35.5615, 139.6875),
    "鵜の木": ("146-0091", 35.5790, 139.6830),
    "千鳥": ("146-0083", 35.5725, 139.6960),
    "池上": ("146-0082", 35.5765, 139.7045),
    "新蒲田": ("144-0054", 35.5640, 139.7085),
    "西蒲田": ("144-0051", 35.5665, 139.7120),
    "南蒲田": ("144-0035", 35.5560, 139.7260),
    "西六郷": ("144-0056", 35.5470, 139.7050),
    "仲六郷": ("144-0055", 35.5470, 139.7110),
    "東六郷": ("144-0046", 35.5435, 139.7220),
    "南六郷": ("144-0045", 35.5400, 139.7160),
    "萩中": ("144-0047", 35.5520, 139.7350),
    "本羽田": ("144-0044", 35.5480, 139.7370),
    "羽田": ("144-0043", 35.5480, 139.7470),
    "羽田旭町": ("144-0042", 35.5455, 139.7480),
    "西糀谷": ("144-0034", 35.5560, 139.7320),
    "東糀谷": ("144-0033", 35.5535, 139.7425),
    "大森西": ("143-0015", 35.5700, 139.7250),
    "大森中": ("143-0014", 35.5650, 139.7335),
    "大森東": ("143-0012", 35.5665, 139.7430),
    "大森南": ("143-0013", 35.5600, 139.7475),
    "昭和島": ("143-0004", 35.5790, 139.7530),
    "平和島": ("143-0006", 35.5840, 139.7490),
    "京浜島": ("143-0003", 35.5670, 139.7640),
    "城南島": ("143-0002", 35.5780, 139.7710),
    "東海": ("143-0001", 35.5895, 139.7560),
}

# Coordinates must lie within this distance of their neighbourhood's centre.
_TOWN_RADIUS_KM = 1.3


def _mc(process: str, model: str, count: int = 1) -> tuple[str, str, int]:
    """(maker, model, count) for a machine listed under `process` in MACHINE_CATALOG."""
    for maker, catalog_model in MACHINE_CATALOG[process]:
        if catalog_model == model:
            return (maker, model, count)
    raise KeyError(f"{model!r} is not in MACHINE_CATALOG[{process!r}]")


def _cap(process, materials, size, tolerance_um, lot, lead_time_days, capacity, machines=()):
    length, width, height = size
    lot_min, lot_max = lot
    return {
        "process": process,
        "materials": list(materials),
        "max_length_mm": length,
        "max_width_mm": width,
        "max_height_mm": height,
        "tolerance_um": tolerance_um,
        "lot_min": lot_min,
        "lot_max": lot_max,
        "lead_time_days": lead_time_days,
        "capacity_hours_per_week": capacity,
        "machines": list(machines),
    }


def _ws(key, name, name_kana, name_en, town, banchi, lat, lng, headcount, founded_year,
        description, description_en, capabilities, is_hub=False, certifications=(),
        in_second_district=False):
    postal_code = _TOWNS[town][0]
    return {
        "key": key,
        "name": name,
        "name_kana": name_kana,
        "name_en": name_en,
        "postal_code": postal_code,
        "address": f"東京都大田区{town}{banchi}",
        "latitude": lat,
        "longitude": lng,
        "headcount": headcount,
        "founded_year": founded_year,
        "description": description,
        "description_en": description_en,
        "is_hub": is_hub,
        "certifications": list(certifications),
        "in_second_district": in_second_district,
        "capabilities": capabilities,
    }


WORKSHOPS = [
    # ======================================================================================
    # Hubs: take customer orders, assemble and inspect, route the other steps to peers.
    # ======================================================================================
    _ws(
        "maruyama-seisakusho", "株式会社 丸山製作所", "マルヤマセイサクショ",
        "Maruyama Works Co., Ltd.", "下丸子", "2-14-5", 35.571824, 139.687915,
        28, 1958,
        "航空機・半導体製造装置向けのユニット組立を主力とする、下丸子のまとめ役工場です。"
        "5軸マシニングセンタと三次元測定機を備え、旋削・研削・表面処理は近隣の仲間工場に振り分けて一括でお納めします。"
        "JIS Q 9100に基づくトレーサビリティ管理にも対応しています。",
        "A coordinating shop in Shimomaruko whose core business is unit assembly for aircraft "
        "and semiconductor equipment. With 5-axis machining centres and a CMM in house, it "
        "routes turning, grinding and surface treatment to partner shops nearby and delivers "
        "the whole job as one. Traceability is managed to JIS Q 9100.",
        [
            _cap("ASM", [], (1200, 800, 800), 10, (1, 200), 10, 160),
            _cap("M", ["A7075", "A6061", "SUS304", "SUS630", "TI_GR5"], (500, 450, 400), 5,
                 (1, 100), 10, 80,
                 [_mc("M", "DMU 50"), _mc("M", "VARIAXIS i-600")]),
            _cap("CMM", [], (500, 400, 400), 2, (1, 500), 3, 40,
                 [_mc("CMM", "CRYSTA-Apex V 544")]),
        ],
        is_hub=True, certifications=["ISO9001", "JISQ9100"],
    ),
    _ws(
        "hayashi-kiko", "株式会社 林機工", "ハヤシキコウ",
        "Hayashi Kiko Co., Ltd.", "東糀谷", "4-7-12", 35.553214, 139.744108,
        22, 1964,
        "省力化装置や検査治具を、設計から組立まで請け負う糀谷の工場です。"
        "旋盤加工は自社で行い、フライス・研削・熱処理は蒲田南部の仲間工場と分担しています。"
        "図面1枚からのご相談にも応じます。",
        "A Kojiya shop that takes automation equipment and inspection jigs from design through "
        "assembly. Turning is done in house; milling, grinding and heat treatment are shared "
        "with partner shops in south Kamata. Enquiries starting from a single drawing are "
        "welcome.",
        [
            _cap("ASM", [], (1500, 1000, 1200), 20, (1, 50), 15, 120),
            _cap("L", ["S45C", "SCM440", "SUS304", "A5052", "C3604", "POM"], (500, 250, 250), 10,
                 (1, 500), 7, 80,
                 [_mc("L", "QUICK TURN 250MY", 2), _mc("L", "LB3000 EX II")]),
            _cap("CMM", [], (700, 500, 400), 3, (1, 300), 3, 30,
                 [_mc("CMM", "XYZAX SVA NEX")]),
        ],
        is_hub=True, certifications=["ISO9001", "ISO14001"], in_second_district=True,
    ),
    _ws(
        "omori-seimitsu", "大森精密工業株式会社", "オオモリセイミツコウギョウ",
        "Omori Precision Industries Co., Ltd.", "大森南", "3-9-4", 35.559372, 139.747621,
        18, 1972,
        "真空機器・光学機器向けの精密部品とユニットを手掛けています。"
        "お客様の図面から工程を組み、旋削・研削・めっきは近隣の専門工場に手配して、最終検査と組立を当社で行います。",
        "Makes precision parts and units for vacuum and optical equipment. We plan the routing "
        "from the customer's drawing, arrange turning, grinding and plating with specialist "
        "shops nearby, and do the final inspection and assembly ourselves.",
        [
            _cap("ASM", [], (800, 600, 500), 5, (1, 100), 12, 100),
            _cap("M", ["A5052", "A6061", "SUS304", "SUS316L", "C1100"], (600, 400, 300), 5,
                 (1, 300), 7, 70,
                 [_mc("M", "V33i"), _mc("M", "ROBODRILL α-D21MiB5", 2)]),
            _cap("INS", [], (600, 400, 300), 2, (1, 1000), 3, 40,
                 [_mc("INS", "QV Apex 302"), _mc("INS", "SJ-410")]),
        ],
        is_hub=True, certifications=["ISO9001"],
    ),
    _ws(
        "kamata-techno", "株式会社 蒲田テクノ", "カマタテクノ",
        "Kamata Techno Co., Ltd.", "仲六郷", "2-31-6", 35.546832, 139.712417,
        15, 1983,
        "板金筐体と制御盤の組立を得意とする六郷の工場です。"
        "板金は自社で、機械加工・塗装・めっきは組合の仲間に振り分け、組立・配線・出荷検査まで一貫して対応します。",
        "A Rokugo shop specialising in sheet-metal enclosures and control-panel assembly. "
        "Sheet metal is done in house; machining, painting and plating go to partners in the "
        "association, and we handle assembly, wiring and outgoing inspection end to end.",
        [
            _cap("ASM", [], (1800, 900, 1800), 50, (1, 100), 14, 90),
            _cap("SMT", ["SPCC", "SECC", "SUS304", "A5052"], (2500, 1250, 150), 100,
                 (1, 500), 7, 70,
                 [_mc("SMT", "HG-1303"), _mc("SMT", "EM-2510NT")]),
            _cap("INS", [], (300, 300, 100), 5, (1, 1000), 3, 30,
                 [_mc("INS", "IM-8000")]),
        ],
        is_hub=True, certifications=["ISO9001", "ECO_ACTION21"], in_second_district=True,
    ),
    _ws(
        "ikegami-mechatro", "池上メカトロ株式会社", "イケガミメカトロ",
        "Ikegami Mechatro Co., Ltd.", "池上", "6-18-3", 35.578126, 139.704235,
        32, 1969,
        "医療機器・分析装置のユニット組立と検査を行う池上の工場です。"
        "クリーンブースでの組立とISO 13485に沿った記録管理に対応し、部品加工は大田区内の協力工場ネットワークで手配します。",
        "An Ikegami shop doing unit assembly and inspection for medical and analytical "
        "instruments. We assemble in a clean booth with records kept to ISO 13485, and source "
        "machined parts through our partner network in Ota.",
        [
            _cap("ASM", [], (600, 600, 600), 10, (1, 1000), 15, 200),
            _cap("CMM", [], (700, 500, 450), 2, (1, 1000), 3, 60,
                 [_mc("CMM", "CONTURA"), _mc("CMM", "CRYSTA-Apex V 544")]),
            _cap("INS", [], (400, 300, 200), 2, (1, 5000), 3, 60,
                 [_mc("INS", "CV-3200"), _mc("INS", "SJ-410")]),
        ],
        is_hub=True, certifications=["ISO9001", "ISO13485"],
    ),
    # ======================================================================================
    # Turning (旋削)
    # ======================================================================================
    _ws(
        "tanaka-seiki", "田中精機製作所", "タナカセイキセイサクショ",
        "Tanaka Seiki Works", "矢口", "2-5-17", 35.564813, 139.690327,
        6, 1967,
        "NC旋盤によるステンレス・アルミの丸物部品を得意としています。"
        "φ200までの部品を、試作1個から数百個の量産まで、公差±5µmの精密旋削でお届けします。",
        "Specialises in round parts in stainless steel and aluminium on CNC lathes. Precision "
        "turning to ±5 µm on diameters up to 200 mm, from a single prototype to a few hundred "
        "pieces.",
        [
            _cap("L", ["SUS303", "SUS304", "SUS316L", "A2017", "A5056", "A6061", "S45C",
                       "C3604"], (400, 200, 200), 5, (1, 500), 5, 160,
                 [_mc("L", "GENOS L250", 2), _mc("L", "NLX2500")]),
        ],
    ),
    _ws(
        "suzuki-jidou-senban", "有限会社 鈴木自動旋盤", "スズキジドウセンバン",
        "Suzuki Automatic Lathe Co., Ltd.", "西糀谷", "2-22-9", 35.556614, 139.731806,
        4, 1976,
        "主軸移動型の自動旋盤5台で、φ20以下の小径精密部品を量産しています。"
        "真鍮・快削鋼・SUS303のピン、シャフト、ノズルなどを、夜間の無人運転で安定して供給します。",
        "Mass-produces small precision parts up to 20 mm in diameter on five Swiss-type "
        "automatic lathes. Pins, shafts and nozzles in brass, free-cutting steel and SUS303, "
        "supplied steadily thanks to unattended night running.",
        [
            _cap("L", ["C3604", "SUM24L", "SUS303", "SUS304", "A2017", "A5056"],
                 (200, 20, 20), 5, (500, 10000), 10, 180,
                 [_mc("L", "Cincom L20", 3), _mc("L", "SR-20JII", 2)]),
        ],
        in_second_district=True,
    ),
    _ws(
        "kobayashi-kosakusho", "小林工作所", "コバヤシコウサクショ",
        "Kobayashi Machine Shop", "南六郷", "1-8-3", 35.540732, 139.715548,
        1, 1961,
        "二代目の職人が一人で営む、汎用旋盤の工場です。"
        "図面のない修理部品や一品物、急ぎの試作を得意とし、現物合わせの加工にも応じます。",
        "A one-man shop run by a second-generation craftsman on manual lathes. Good at repair "
        "parts with no drawing, one-offs and rush prototypes, including machining to fit a "
        "physical sample.",
        [
            _cap("L", ["S45C", "SS400", "SUS304", "C3604", "A5052", "FC250", "MC_NYLON", "POM"],
                 (800, 300, 300), 10, (1, 20), 3, 40,
                 [_mc("L", "MS-850"), _mc("L", "LEO-80A")]),
        ],
    ),
    _ws(
        "ito-seimitsu", "伊藤精密", "イトウセイミツ",
        "Ito Precision", "千鳥", "2-11-20", 35.572634, 139.696812,
        9, 1988,
        "複合旋盤とマシニングセンタを組み合わせ、旋削とフライスの両方が必要な部品を一社で仕上げます。"
        "樹脂やチタンなど、加工の難しい材料の試作も数多く手掛けています。",
        "Combines a mill-turn lathe with machining centres to finish parts that need both "
        "turning and milling under one roof. We also prototype a lot in difficult materials "
        "such as engineering plastics and titanium.",
        [
            _cap("L", ["SUS304", "A6061", "C3604", "TI_GR2", "TI_GR5", "PEEK", "POM", "PTFE"],
                 (300, 150, 150), 8, (1, 300), 7, 90,
                 [_mc("L", "QUICK TURN 250MY")]),
            _cap("M", ["A5052", "A6061", "SUS304", "TI_GR5", "PEEK", "POM", "PTFE", "PMMA",
                       "PC", "ABS"],
                 (500, 400, 300), 10, (1, 300), 7, 90,
                 [_mc("M", "ROBODRILL α-D21MiB5", 2)]),
        ],
    ),
    _ws(
        "watanabe-seisakusho", "有限会社 渡辺製作所", "ワタナベセイサクショ",
        "Watanabe Works Ltd.", "東六郷", "2-4-11", 35.543719, 139.721346,
        7, 1955,
        "φ400・長さ1000mmまでの大物旋削が得意です。"
        "ロール、シャフト、フランジなど、鋼材・鋳物の中大型部品を単品から承ります。",
        "Our strength is large turned work up to 400 mm in diameter and 1,000 mm long. Rolls, "
        "shafts, flanges and other medium-to-large parts in steel and cast iron, from single "
        "pieces.",
        [
            _cap("L", ["S45C", "SCM440", "SS400", "SUS304", "FC250", "FCD450"],
                 (1000, 400, 400), 15, (1, 100), 10, 120,
                 [_mc("L", "LB3000 EX II"), _mc("L", "TCC-2000")]),
        ],
    ),
    # ======================================================================================
    # Milling, drilling, boring (フライス・穴あけ・中ぐり)
    # ======================================================================================
    _ws(
        "yamamoto-seiki", "株式会社 山本精機", "ヤマモトセイキ",
        "Yamamoto Seiki Co., Ltd.", "下丸子", "4-3-21", 35.574106, 139.684217,
        12, 1979,
        "5軸マシニングセンタによる航空機・宇宙関連部品の切削加工を行っています。"
        "A7075やチタン合金、インコネルの薄肉・複雑形状を得意とし、JIS Q 9100の認証を取得しています。",
        "Machines aerospace parts on 5-axis machining centres. We specialise in thin-walled, "
        "complex shapes in A7075, titanium alloy and Inconel, and are certified to JIS Q 9100.",
        [
            _cap("M", ["A7075", "A2017", "A6061", "TI_GR5", "INCONEL718", "SUS630", "SUS304"],
                 (600, 500, 400), 5, (1, 200), 10, 200,
                 [_mc("M", "VARIAXIS i-600"), _mc("M", "DMU 50"), _mc("M", "V33i")]),
        ],
        certifications=["ISO9001", "JISQ9100"],
    ),
    _ws(
        "nakamura-furaisu", "中村フライス工業", "ナカムラフライスコウギョウ",
        "Nakamura Milling Works", "大森西", "5-12-7", 35.569417, 139.723806,
        3, 1970,
        "汎用フライス盤とNCフライスで、ブロックやプレート、治具部品を短納期で加工します。"
        "六面フライス仕上げの材料取りも承ります。",
        "Machines blocks, plates and jig parts on manual and CNC milling machines with short "
        "lead times. Six-side-milled blanks are also available.",
        [
            _cap("M", ["S45C", "S50C", "SS400", "A5052", "SUS304", "SKD11", "MC_NYLON"],
                 (800, 400, 350), 20, (1, 50), 5, 90,
                 [_mc("M", "VHR-SD", 2), _mc("M", "ROBODRILL α-D21MiB5")]),
        ],
    ),
    _ws(
        "kato-machining", "有限会社 加藤マシニング", "カトウマシニング",
        "Kato Machining Ltd.", "東矢口", "3-6-14", 35.566217, 139.699108,
        8, 1993,
        "小型の高速マシニングセンタを並べ、アルミ部品の穴あけ・タップ・ポケット加工を中ロットで量産しています。"
        "自動車やロボット関連の部品で多くの実績があります。",
        "Runs a line of compact high-speed machining centres producing drilled, tapped and "
        "pocketed aluminium parts in medium lots. Extensive track record with automotive and "
        "robotics parts.",
        [
            _cap("M", ["A5052", "A6061", "A6063", "A7075", "S45C", "SS400", "C3604"],
                 (700, 420, 380), 10, (10, 2000), 7, 120,
                 [_mc("M", "SPEEDIO S700X2", 2), _mc("M", "MB-46VAE")]),
            _cap("D", ["A5052", "A6061", "A6063", "S45C", "SS400"],
                 (500, 400, 300), 20, (10, 5000), 5, 60,
                 [_mc("D", "SPEEDIO S300X2", 2)]),
            _cap("TAP", ["A5052", "A6061", "A6063", "S45C", "SS400"],
                 (500, 400, 300), 20, (10, 5000), 5, 40,
                 [_mc("TAP", "SPEEDIO S300X2", 2)]),
        ],
    ),
    _ws(
        "yoshida-seisakusho", "株式会社 吉田製作所", "ヨシダセイサクショ",
        "Yoshida Manufacturing Co., Ltd.", "昭和島", "2-3-8", 35.578412, 139.752416,
        14, 1962,
        "横形マシニングセンタによる鋳物・鋼材の中ぐり加工が主力です。"
        "ギアボックスやバルブボディなど、多面加工と精密な穴位置が求められる部品を得意としています。",
        "Our mainstay is boring cast iron and steel on horizontal machining centres. We excel "
        "at gearboxes, valve bodies and other parts that need multi-face machining and "
        "accurate bore positions.",
        [
            _cap("B", ["FC250", "FCD450", "S45C", "SS400", "SCM440", "A5052"],
                 (1000, 800, 800), 10, (1, 100), 12, 140,
                 [_mc("B", "MA-600HII"), _mc("B", "a51nx")]),
            _cap("M", ["FC250", "FCD450", "S45C", "SS400", "A5052"],
                 (760, 460, 460), 15, (1, 100), 10, 60,
                 [_mc("M", "MB-46VAE")]),
        ],
    ),
    _ws(
        "sasaki-kogyo", "佐々木工業", "ササキコウギョウ",
        "Sasaki Industries", "萩中", "2-9-15", 35.551806, 139.734612,
        2, 1981,
        "夫婦二人で営む、穴あけ・タップ・リーマ専門の工場です。"
        "他社で加工した部品への追加工や、H7穴の仕上げを1個から引き受けます。",
        "A husband-and-wife shop specialising in drilling, tapping and reaming. We take on "
        "secondary operations on parts machined elsewhere and H7 hole finishing, from a "
        "single piece.",
        [
            _cap("D", ["S45C", "SS400", "SUS304", "A5052", "C3604", "FC250"],
                 (500, 400, 300), 15, (1, 3000), 4, 50,
                 [_mc("D", "ROBODRILL α-D14SiB5")]),
            _cap("TAP", ["S45C", "SS400", "SUS304", "A5052", "C3604", "FC250"],
                 (500, 400, 300), 20, (1, 3000), 4, 30,
                 [_mc("TAP", "ROBODRILL α-D14SiB5")]),
            _cap("REAM", ["S45C", "SS400", "SUS304", "A5052", "C3604"],
                 (500, 400, 300), 5, (1, 1000), 5, 20,
                 [_mc("REAM", "ROBODRILL α-D14SiB5")]),
        ],
        in_second_district=True,
    ),
    # ======================================================================================
    # Grinding and abrasive finishing (研削・ラップ・ホーニング・超仕上げ)
    # ======================================================================================
    _ws(
        "matsumoto-kensaku", "有限会社 松本研削", "マツモトケンサク",
        "Matsumoto Grinding Ltd.", "大森南", "1-17-6", 35.562208, 139.745517,
        3, 1974,
        "平面研削一筋で50年になる工場です。"
        "焼入れ後の金型プレートやゲージ類を、平面度・平行度2µm以内で仕上げます。",
        "A shop devoted to surface grinding for fifty years. We finish hardened die plates "
        "and gauges to within 2 µm flatness and parallelism.",
        [
            _cap("GS", ["SKD11", "SKD61", "SKS3", "SK105", "S45C", "SUS440C", "SUJ2"],
                 (600, 300, 300), 2, (1, 200), 5, 100,
                 [_mc("GS", "PSG-63DX"), _mc("GS", "PSG-52DX")]),
        ],
    ),
    _ws(
        "inoue-kenma", "井上研磨工業", "イノウエケンマコウギョウ",
        "Inoue Grinding Works", "西六郷", "3-14-2", 35.547213, 139.704618,
        5, 1966,
        "円筒研削とセンタレス研削で、シャフトやピンの外径を1µm台で仕上げます。"
        "焼入れ鋼・ステンレスの量産品から試作品まで対応します。",
        "Grinds the outside diameters of shafts and pins to within a few microns using "
        "cylindrical and centerless grinding. Hardened steel and stainless steel, from "
        "production runs to prototypes.",
        [
            _cap("GE", ["SUJ2", "SCM415", "SCM440", "S45C", "SUS420J2", "SUS440C", "SKD11"],
                 (500, 200, 200), 1, (1, 500), 7, 80,
                 [_mc("GE", "GE4i"), _mc("GE", "S33")]),
            _cap("GCL", ["SUJ2", "SUS420J2", "SUS440C", "SUS303", "S45C"],
                 (300, 60, 60), 2, (100, 10000), 7, 80,
                 [_mc("GCL", "MPC-600")]),
        ],
    ),
    _ws(
        "kimura-kensakusho", "木村研削所", "キムラケンサクショ",
        "Kimura Grinding Shop", "池上", "3-27-9", 35.573518, 139.707124,
        2, 1980,
        "内面研削を得意とする、親子二人の工場です。"
        "ブッシュや軸受ハウジングの内径をµm単位で仕上げ、外径の円筒研削も合わせて承ることで同軸度を確保します。",
        "A father-and-son shop whose speciality is internal grinding. We finish the bores of "
        "bushes and bearing housings to the micron, and can grind the outside diameter too so "
        "that bore and OD stay concentric.",
        [
            _cap("GI", ["SUJ2", "SCM415", "SKD11", "S45C", "SUS440C"],
                 (120, 200, 200), 2, (1, 300), 7, 40,
                 [_mc("GI", "IGM-15NCIII")]),
            _cap("GE", ["SUJ2", "SCM415", "SKD11", "S45C", "SUS440C"],
                 (400, 150, 150), 2, (1, 300), 7, 30,
                 [_mc("GE", "GE4i")]),
        ],
    ),
    _ws(
        "shimizu-lap", "清水ラップ工業", "シミズラップコウギョウ",
        "Shimizu Lapping Works", "羽田", "5-6-3", 35.547621, 139.746208,
        4, 1985,
        "ラップ加工とホーニングで、平面度や面粗さの要求が厳しい部品を仕上げます。"
        "シール面やバルブシート、油圧シリンダの内面などが主な仕事です。",
        "Finishes parts with tight flatness and roughness requirements by lapping and honing. "
        "Seal faces, valve seats and the bores of hydraulic cylinders make up most of our "
        "work.",
        [
            _cap("GL", ["SUS440C", "SUS304", "SKD11", "SUJ2", "C3604", "FC250"],
                 (200, 200, 50), 1, (1, 5000), 7, 80,
                 [_mc("GL", "両面ラップ盤 9B", 2)]),
            _cap("GH", ["S45C", "SCM440", "SUJ2", "FC250", "CAC406"],
                 (300, 100, 100), 2, (1, 1000), 7, 40,
                 [_mc("GH", "SV-1000")]),
        ],
        in_second_district=True,
    ),
    _ws(
        "ogawa-seiki", "小川精機", "オガワセイキ",
        "Ogawa Seiki", "鵜の木", "2-8-19", 35.579318, 139.683812,
        6, 1990,
        "円筒研削から超仕上げまでを一貫して行い、軸受やガイドシャフトで面粗さRa0.05µm以下を実現しています。"
        "摺動部品の摩耗対策についてのご相談もお受けします。",
        "Takes shafts from cylindrical grinding through superfinishing in one place, achieving "
        "Ra 0.05 µm or better on bearing and guide shafts. We also advise on reducing wear on "
        "sliding parts.",
        [
            _cap("GSP", ["SUJ2", "SUS440C", "SUS420J2", "SCM415", "S45C"],
                 (400, 80, 80), 1, (50, 5000), 7, 80,
                 [_mc("GSP", "超仕上げ装置", 2)]),
            _cap("GE", ["SUJ2", "SUS440C", "SUS420J2", "SCM415", "S45C"],
                 (500, 150, 150), 2, (1, 1000), 7, 70,
                 [_mc("GE", "S33")]),
        ],
    ),
    # ======================================================================================
    # EDM and moulds (放電加工・金型)
    # ======================================================================================
    _ws(
        "yamaguchi-wire", "山口ワイヤーカット", "ヤマグチワイヤーカット",
        "Yamaguchi Wire Cut", "東糀谷", "2-15-10", 35.554716, 139.739318,
        3, 1998,
        "ワイヤ放電加工機2台を24時間稼働させ、金型部品やパンチ・ダイを短納期で仕上げます。"
        "焼入れ後のSKD11やSKH51も±3µmで加工します。",
        "Runs two wire EDMs around the clock, finishing die components, punches and dies on "
        "short lead times. Hardened SKD11 and SKH51 are cut to ±3 µm.",
        [
            _cap("SPEDW", ["SKD11", "SKD61", "SKH51", "SKS3", "S45C", "SUS304", "C1100",
                           "TI_GR5"], (600, 400, 250), 3, (1, 100), 5, 150,
                 [_mc("SPEDW", "ALN400G"), _mc("SPEDW", "MV2400R")]),
        ],
    ),
    _ws(
        "saito-houden", "斎藤放電加工所", "サイトウホウデンカコウショ",
        "Saito EDM Works", "本羽田", "2-10-4", 35.548917, 139.736208,
        5, 1987,
        "形彫り放電加工を中心に、電極の製作から深いリブや微細形状の加工まで対応します。"
        "樹脂金型の入れ子や、切削では難しい角部の加工もご相談ください。",
        "Centred on sinker EDM, we handle everything from making electrodes to deep ribs and "
        "fine features. Ask us about inserts for plastic moulds and sharp inside corners that "
        "cutting cannot reach.",
        [
            _cap("SPED", ["SKD61", "SKD11", "SKH51", "SUS420J2", "S50C"],
                 (500, 350, 250), 5, (1, 50), 7, 90,
                 [_mc("SPED", "AD35L"), _mc("SPED", "EA12V")]),
            _cap("SPEDW", ["SKD61", "SKD11", "SKH51", "SUS420J2", "S50C", "C1100"],
                 (400, 300, 200), 4, (1, 100), 5, 60,
                 [_mc("SPEDW", "AG40L")]),
        ],
    ),
    _ws(
        "mori-kanagata", "森金型製作所", "モリカナガタセイサクショ",
        "Mori Die & Mould Works", "大森東", "4-21-5", 35.567214, 139.741806,
        9, 1971,
        "プラスチック射出成形用の金型を、設計から製作まで手掛けています。"
        "微細加工機と放電加工機を使い分け、精密コネクタ用などの小型金型を得意としています。",
        "Designs and builds plastic injection moulds. Using micro-milling and EDM side by "
        "side, we specialise in small moulds such as those for precision connectors.",
        [
            _cap("SPED", ["SKD61", "SKD11", "SUS420J2", "S50C"],
                 (600, 400, 300), 5, (1, 20), 15, 80,
                 [_mc("SPED", "EDAF2")]),
            _cap("M", ["SKD61", "SKD11", "SUS420J2", "S50C", "C1100"],
                 (800, 500, 300), 5, (1, 20), 14, 100,
                 [_mc("M", "PS95"), _mc("M", "Android II")]),
        ],
    ),
    # ======================================================================================
    # Heat treatment (熱処理)
    # ======================================================================================
    _ws(
        "heiwajima-netsushori", "平和島熱処理株式会社", "ヘイワジマネツショリ",
        "Heiwajima Heat Treatment Co., Ltd.", "平和島", "5-4-9", 35.583812, 139.749716,
        24, 1957,
        "真空焼入れ・雰囲気焼入れ・ガス浸炭の設備を備えた熱処理専門工場です。"
        "金型鋼から機械部品まで、1個から量産まで受入れ後3日での仕上げを基本としています。"
        "硬さと組織の検査成績書をロットごとに発行します。",
        "A specialist heat treater with vacuum hardening, atmosphere hardening and gas "
        "carburizing. Die steels through machine parts, one piece to production volumes, "
        "normally ready three days after receipt. Hardness and microstructure reports are "
        "issued for every lot.",
        [
            _cap("HT_VAC", ["SKD11", "SKD61", "SKH51", "SKS3", "SUS440C", "SUS420J2", "SUJ2"],
                 (900, 600, 600), 30, (1, 2000), 3, 200,
                 [_mc("HT_VAC", "真空熱処理炉", 2), _mc("HT_VAC", "真空焼入れ炉")]),
            _cap("HT_QT", ["S45C", "S50C", "SCM435", "SCM440", "SNCM439", "SK105", "SUJ2"],
                 (1200, 800, 800), 50, (1, 5000), 3, 160,
                 [_mc("HT_QT", "雰囲気熱処理炉", 2)]),
            _cap("HT_CARB", ["SCM415", "S15CK"],
                 (800, 600, 600), 50, (10, 5000), 7, 120,
                 [_mc("HT_CARB", "ガス浸炭炉")]),
        ],
        certifications=["ISO9001", "NADCAP"],
    ),
    _ws(
        "keihin-koshuha", "京浜高周波工業", "ケイヒンコウシュウハコウギョウ",
        "Keihin Induction Hardening Works", "京浜島", "2-5-12", 35.566917, 139.765218,
        8, 1984,
        "シャフトや歯車の高周波焼入れを専門とし、長さ1500mmまでの長尺物にも対応します。"
        "焼入れ範囲の指定から、部分焼入れ用コイルの設計までご相談いただけます。",
        "Specialises in induction hardening of shafts and gears, including long parts up to "
        "1,500 mm. We can help with everything from specifying the hardened zone to designing "
        "coils for partial hardening.",
        [
            _cap("HT_IND", ["S45C", "S50C", "SCM435", "SCM440", "SUJ2", "FCD450"],
                 (1500, 200, 200), 50, (1, 3000), 5, 120,
                 [_mc("HT_IND", "高周波焼入装置", 3)]),
            _cap("HT_QT", ["S45C", "S50C", "SCM435", "SCM440"],
                 (600, 400, 400), 50, (1, 1000), 5, 60,
                 [_mc("HT_QT", "雰囲気熱処理炉")]),
        ],
    ),
    # ======================================================================================
    # Surface treatment (めっき・アルマイト・黒染め・塗装・研磨)
    # ======================================================================================
    _ws(
        "kojiya-mekki", "株式会社 糀谷鍍金工業所", "コウジヤメッキコウギョウショ",
        "Kojiya Plating Works Co., Ltd.", "東糀谷", "6-3-18", 35.550317, 139.745216,
        11, 1953,
        "無電解ニッケルめっきと硬質クロムめっきを専門に行っています。"
        "膜厚を厳密に管理し、研削仕上げを見込んだ厚付けにも対応します。"
        "自社の排水処理設備を備えた、環境に配慮した工場です。",
        "Specialises in electroless nickel and hard chrome plating. We control film thickness "
        "closely and can plate thick to allow for finish grinding. The plant runs its own "
        "wastewater treatment.",
        [
            _cap("PLT_ENI", ["S45C", "SS400", "SCM440", "SUS304", "A5052", "A6061", "C3604",
                             "SKD11"], (800, 500, 500), 5, (1, 10000), 5, 120,
                 [_mc("PLT_ENI", "無電解ニッケルめっき槽", 3)]),
            _cap("PLT_HCR", ["S45C", "SCM440", "SUJ2", "SKD11", "SUS304"],
                 (1500, 200, 200), 10, (1, 500), 7, 80,
                 [_mc("PLT_HCR", "めっき用整流器", 2), _mc("PLT_HCR", "硬質クロムめっき槽")]),
        ],
        certifications=["ISO14001"], in_second_district=True,
    ),
    _ws(
        "rokugo-alumite", "六郷アルマイト工業", "ロクゴウアルマイトコウギョウ",
        "Rokugo Anodizing Works", "東六郷", "3-9-1", 35.542218, 139.723712,
        6, 1968,
        "白・黒・カラーアルマイトと硬質アルマイトに対応する、アルマイト専門の工場です。"
        "ラック掛けの小物から長さ1200mmのフレームまで、外観品質にこだわって処理します。",
        "An anodizing specialist offering clear, black and coloured anodizing as well as hard "
        "anodizing. From small racked parts to frames 1,200 mm long, we take care over "
        "cosmetic quality.",
        [
            _cap("ANO", ["A1050", "A2017", "A5052", "A6061", "A6063", "A7075"],
                 (1200, 600, 600), 5, (1, 20000), 4, 150,
                 [_mc("ANO", "アルマイト用整流器", 2)]),
        ],
        certifications=["ECO_ACTION21"],
    ),
    _ws(
        "abe-kurozome", "阿部黒染工業所", "アベクロゾメコウギョウショ",
        "Abe Black Oxide Works", "南蒲田", "2-19-7", 35.556318, 139.725817,
        3, 1959,
        "鉄鋼部品の黒染め（四三酸化鉄皮膜）を半世紀以上続けています。"
        "寸法がほとんど変わらないため、精密部品や工具の防錆・外観仕上げに最適です。",
        "Has been applying black oxide (magnetite) finishes to steel parts for over half a "
        "century. With almost no change in dimensions, it suits rust protection and cosmetic "
        "finishing of precision parts and tools.",
        [
            _cap("BLK", ["S45C", "SS400", "SCM435", "SCM440", "SKD11", "SKS3", "SK105"],
                 (800, 400, 400), 5, (1, 20000), 3, 90,
                 [_mc("BLK", "黒染め処理槽", 2)]),
            _cap("SB", ["SS400", "S45C", "SUS304", "FC250"],
                 (600, 500, 500), 50, (1, 1000), 3, 30,
                 [_mc("SB", "ニューマブラスター")]),
        ],
    ),
    _ws(
        "ota-toso", "有限会社 大田塗装", "オオタトソウ",
        "Ota Painting Ltd.", "城南島", "3-2-14", 35.577618, 139.770612,
        5, 1975,
        "焼付塗装と粉体塗装で、制御盤の筐体や装置カバーを仕上げています。"
        "下地のブラスト処理から、マンセル値指定の調色まで一貫して対応します。",
        "Finishes control-panel enclosures and machine covers with baked and powder coatings. "
        "We cover everything from blasting the substrate to matching colours to a specified "
        "Munsell value.",
        [
            _cap("PNT", ["SPCC", "SECC", "SPHC", "SS400", "A5052", "SUS304"],
                 (2000, 1000, 1800), 20, (1, 2000), 5, 120,
                 [_mc("PNT", "W-101", 4), _mc("PNT", "静電塗装機")]),
            _cap("SB", ["SS400", "SPHC", "SUS304", "FC250"],
                 (1500, 1000, 1000), 50, (1, 500), 3, 40,
                 [_mc("SB", "ショットブラスト装置")]),
        ],
        certifications=["KES"],
    ),
    _ws(
        "maeda-barrel", "前田バレル研磨", "マエダバレルケンマ",
        "Maeda Barrel Finishing", "多摩川", "1-20-6", 35.561218, 139.686817,
        4, 1996,
        "バレル研磨による小物部品のバリ取りと光沢仕上げを、大量に処理しています。"
        "バフ研磨による鏡面仕上げも手作業で承ります。",
        "Deburrs and polishes small parts in large volumes by barrel finishing. Mirror "
        "finishing by hand buffing is also available.",
        [
            _cap("SPBR", ["C3604", "SUS303", "SUS304", "SUM24L", "A5052", "C5191"],
                 (300, 200, 100), 20, (100, 30000), 4, 120,
                 [_mc("SPBR", "振動バレル研磨機", 4)]),
            _cap("SPBF", ["SUS304", "SUS316L", "A5052", "C2801", "C1100"],
                 (600, 400, 300), 10, (1, 500), 5, 40,
                 [_mc("SPBF", "9237CB", 2)]),
        ],
    ),
    # ======================================================================================
    # Sheet metal, press, welding (板金・プレス・溶接)
    # ======================================================================================
    _ws(
        "ishikawa-bankin", "株式会社 石川板金", "イシカワバンキン",
        "Ishikawa Sheet Metal Co., Ltd.", "京浜島", "1-8-3", 35.568917, 139.761718,
        16, 1973,
        "ファイバーレーザー切断からベンダー曲げ、溶接まで、精密板金を一貫生産しています。"
        "装置カバーやブラケットを、1個から千個単位まで承ります。",
        "Produces precision sheet metal end to end, from fibre-laser cutting through "
        "press-brake bending to welding. Machine covers and brackets from one piece to "
        "thousands.",
        [
            _cap("LSR", ["SPCC", "SPHC", "SECC", "SS400", "SUS304", "A5052", "C1100"],
                 (3000, 1500, 12), 100, (1, 1000), 5, 120,
                 [_mc("LSR", "ENSIS-3015AJ")]),
            _cap("SMT", ["SPCC", "SECC", "SUS304", "A5052", "C2801"],
                 (3000, 1250, 300), 100, (1, 1000), 7, 200,
                 [_mc("SMT", "HG-1303", 2), _mc("SMT", "EG-6013"),
                  _mc("SMT", "MOTORUM-2048LJ")]),
            _cap("WLD_TIG", ["SUS304", "SPCC", "A5052"],
                 (1500, 800, 600), 300, (1, 200), 7, 60,
                 [_mc("WLD_TIG", "DA300P", 2)]),
        ],
        certifications=["ISO9001"],
    ),
    _ws(
        "fujita-yousetsu", "藤田溶接工業所", "フジタヨウセツコウギョウショ",
        "Fujita Welding Works", "南六郷", "3-1-9", 35.538817, 139.718112,
        4, 1978,
        "ステンレスとアルミのTIG溶接を得意とする溶接専門の工場です。"
        "真空チャンバーや配管など、気密が求められる溶接にもJIS溶接技能者が対応します。",
        "A welding specialist known for TIG welding of stainless steel and aluminium. Our "
        "JIS-certified welders also handle leak-tight work such as vacuum chambers and "
        "piping.",
        [
            _cap("WLD_TIG", ["SUS304", "SUS316L", "A5052", "A6061", "TI_GR2"],
                 (2000, 1000, 1000), 300, (1, 200), 7, 100,
                 [_mc("WLD_TIG", "YC-300BP4", 2), _mc("WLD_TIG", "DA300P")]),
            _cap("WLD", ["SS400", "SPHC", "S45C"],
                 (3000, 1500, 1500), 500, (1, 100), 7, 60,
                 [_mc("WLD", "YD-350GR3", 2)]),
        ],
        certifications=["JIS_WELDER"],
    ),
    _ws(
        "hasegawa-laser", "長谷川レーザー工業", "ハセガワレーザーコウギョウ",
        "Hasegawa Laser Industries", "東海", "3-2-7", 35.589517, 139.755818,
        9, 2008,
        "レーザー切断とレーザー溶接に特化した、比較的新しい工場です。"
        "薄板ステンレスのひずみの少ない溶接や、異種金属の微細溶接に強みがあります。",
        "A relatively young shop focused on laser cutting and laser welding. Our strengths are "
        "low-distortion welding of thin stainless sheet and fine welds between dissimilar "
        "metals.",
        [
            _cap("LSR", ["SUS304", "SPCC", "SS400", "A5052", "C1100"],
                 (3000, 1500, 16), 100, (1, 2000), 4, 120,
                 [_mc("LSR", "TruLaser 3030")]),
            _cap("WLD_LSR", ["SUS304", "SUS316L", "C1100", "TI_GR2", "A5052"],
                 (1000, 600, 400), 200, (1, 1000), 7, 80,
                 [_mc("WLD_LSR", "ML-2450A"), _mc("WLD_LSR", "FLW-3000ENSIS")]),
        ],
    ),
    _ws(
        "endo-press", "遠藤プレス工業株式会社", "エンドウプレスコウギョウ",
        "Endo Press Industries Co., Ltd.", "羽田旭町", "10-6", 35.545617, 139.747512,
        13, 1963,
        "順送金型によるプレス部品の量産を行っています。"
        "自動車電装部品向けの端子やブラケットで実績があり、IATF 16949の認証を受けています。",
        "Mass-produces pressed parts with progressive dies. We have a track record in "
        "terminals and brackets for automotive electrical parts and are certified to "
        "IATF 16949.",
        [
            _cap("PRS", ["SPCC", "SPHC", "SECC", "SUS304", "C2801", "C5191", "C1100", "A5052"],
                 (400, 300, 100), 50, (500, 10000), 14, 200,
                 [_mc("PRS", "NC1-80", 2), _mc("PRS", "OBS80-3", 3)]),
            _cap("SMT", ["SPCC", "SUS304", "A5052"],
                 (1000, 500, 200), 100, (1, 500), 7, 40,
                 [_mc("SMT", "EG-6013")]),
        ],
        certifications=["IATF16949"],
    ),
    # ======================================================================================
    # Gears, broaching, planing/shaping (歯切り・ブローチ・平削り・形削り)
    # ======================================================================================
    _ws(
        "okada-haguruma", "岡田歯車製作所", "オカダハグルマセイサクショ",
        "Okada Gear Works", "西蒲田", "7-31-2", 35.566718, 139.711617,
        7, 1952,
        "ホブ盤による平歯車・はすば歯車の歯切りと、キー溝・スプライン穴のブローチ加工を行っています。"
        "モジュール0.5から4まで、試作1個から承ります。",
        "Cuts spur and helical gears on hobbing machines and broaches keyways and spline "
        "bores. Modules 0.5 to 4, from a single prototype.",
        [
            _cap("GEAR", ["S45C", "SCM415", "SCM440", "SUS304", "C3604", "POM", "MC_NYLON"],
                 (300, 250, 250), 10, (1, 1000), 14, 100,
                 [_mc("GEAR", "KE251", 2), _mc("GEAR", "GE15A")]),
            _cap("BR", ["S45C", "SCM440", "FC250", "FCD450", "A5052"],
                 (300, 200, 200), 15, (1, 2000), 10, 40,
                 [_mc("BR", "立形ブローチ盤")]),
        ],
    ),
    _ws(
        "goto-kiko", "後藤機工", "ゴトウキコウ",
        "Goto Kiko", "大森中", "2-8-5", 35.564817, 139.734518,
        2, 1949,
        "戦後まもなく創業し、形削り盤と平削り盤が今も現役で動いている工場です。"
        "キー溝や長尺の平面、古い機械の補修部品など、他では断られがちな仕事を引き受けています。",
        "Founded shortly after the war, with a shaper and a planer still in daily use. We take "
        "on work others tend to turn down: keyways, long flat surfaces and repair parts for "
        "old machines.",
        [
            # Legacy machines not in any current catalogue, hence no machine entries.
            _cap("SH", ["S45C", "SS400", "FC250", "SCM440"],
                 (600, 400, 300), 30, (1, 20), 5, 40),
            _cap("P", ["S45C", "SS400", "FC250"],
                 (2000, 800, 600), 30, (1, 10), 7, 30),
        ],
    ),
    # ======================================================================================
    # Measurement (測定)
    # ======================================================================================
    _ws(
        "aoki-sokutei", "青木測定サービス", "アオキソクテイサービス",
        "Aoki Measurement Services", "新蒲田", "1-5-22", 35.564318, 139.709216,
        3, 2012,
        "三次元測定機と形状・粗さ測定機を備えた、測定専門の会社です。"
        "初品検査成績書の作成や、お客様との測定値の食い違いの検証を代行します。",
        "A measurement specialist equipped with a CMM and contour and roughness measuring "
        "instruments. We prepare first-article inspection reports and investigate "
        "measurement disagreements with customers on your behalf.",
        [
            _cap("CMM", [], (500, 400, 400), 2, (1, 500), 3, 60,
                 [_mc("CMM", "CRYSTA-Apex V 544")]),
            _cap("INS", [], (300, 300, 200), 2, (1, 1000), 3, 50,
                 [_mc("INS", "CV-3200"), _mc("INS", "SJ-410"), _mc("INS", "IM-8000")]),
        ],
        certifications=["ISO_IEC17025"],
    ),
]


# ======================================================================================
# Neighbours: small shops of one trade, so that every process of the taxonomy is offered by
# at least three shops of the district (the dashboard shows no figure drawn from fewer).
# Generated from this table so that they stay consistent; no demo user works there.
# ======================================================================================
_SURNAMES = [
    ("山田", "ヤマダ", "Yamada"), ("山崎", "ヤマザキ", "Yamazaki"), ("池田", "イケダ", "Ikeda"),
    ("橋本", "ハシモト", "Hashimoto"), ("山下", "ヤマシタ", "Yamashita"),
    ("中川", "ナカガワ", "Nakagawa"), ("岡本", "オカモト", "Okamoto"), ("村田", "ムラタ", "Murata"),
    ("近藤", "コンドウ", "Kondo"), ("坂本", "サカモト", "Sakamoto"), ("藤井", "フジイ", "Fujii"),
    ("西田", "ニシダ", "Nishida"), ("福田", "フクダ", "Fukuda"), ("三浦", "ミウラ", "Miura"),
    ("藤原", "フジワラ", "Fujiwara"), ("松田", "マツダ", "Matsuda"), ("中野", "ナカノ", "Nakano"),
    ("原田", "ハラダ", "Harada"), ("小野", "オノ", "Ono"), ("田村", "タムラ", "Tamura"),
    ("竹内", "タケウチ", "Takeuchi"), ("金子", "カネコ", "Kaneko"), ("和田", "ワダ", "Wada"),
    ("中山", "ナカヤマ", "Nakayama"), ("石田", "イシダ", "Ishida"), ("上田", "ウエダ", "Ueda"),
    ("柴田", "シバタ", "Shibata"), ("酒井", "サカイ", "Sakai"), ("工藤", "クドウ", "Kudo"),
    ("横山", "ヨコヤマ", "Yokoyama"), ("宮崎", "ミヤザキ", "Miyazaki"),
    ("宮本", "ミヤモト", "Miyamoto"), ("高木", "タカギ", "Takagi"), ("安藤", "アンドウ", "Ando"),
    ("野村", "ノムラ", "Nomura"),
]
# (trade: name suffix ja, kana, en), the processes, materials, tolerance in µm.
_TRADES = {
    "cut": (("製作所", "セイサクショ", "Works"), ["S45C", "SUS304", "A5052"], 10),
    "grind": (("研削", "ケンサク", "Grinding"), ["SKD11", "SUJ2", "S45C"], 3),
    "edm": (("精密", "セイミツ", "Precision"), ["SKD11", "SKD61"], 5),
    "form": (("工業", "コウギョウ", "Industries"), ["SPCC", "SECC", "SUS304"], 100),
    "weld": (("溶接", "ヨウセツ", "Welding"), ["SS400", "SUS304"], 200),
    "heat": (("熱処理", "ネツショリ", "Heat Treating"), ["S45C", "SCM440", "SKD11"], 50),
    "plate": (("鍍金", "メッキ", "Plating"), ["S45C", "SPCC", "C3604"], 5),
    "anodize": (("アルマイト", "アルマイト", "Anodizing"), ["A5052", "A6061", "A7075"], 5),
    "polish": (("研磨", "ケンマ", "Polishing"), ["S45C", "SUS304", "C3604"], 5),
    "paint": (("塗装", "トソウ", "Painting"), ["SPCC", "SS400", "A5052"], 20),
}
_NEIGHBOURS = [
    ("cut", ["D", "TAP"]), ("cut", ["B", "REAM"]), ("cut", ["B", "REAM"]),
    ("cut", ["GEAR", "BR"]), ("cut", ["GEAR", "BR"]), ("cut", ["P", "SH"]), ("cut", ["P", "SH"]),
    ("grind", ["G", "GS"]), ("grind", ["G", "GS"]), ("grind", ["G", "GI"]),
    ("grind", ["GCL", "GI"]), ("grind", ["GCL", "GSP"]), ("grind", ["GL", "GH"]),
    ("grind", ["GL", "GH"]), ("grind", ["GSP"]), ("edm", ["SPEDW", "SPED"]),
    ("form", ["LSR", "PRS"]), ("form", ["PRS", "SMT"]), ("weld", ["WLD_TIG", "WLD"]),
    ("weld", ["WLD", "WLD_LSR"]), ("weld", ["WLD_LSR"]), ("heat", ["HT", "HT_QT"]),
    ("heat", ["HT", "HT_VAC"]), ("heat", ["HT", "HT_VAC"]), ("heat", ["HT_CARB", "HT_IND"]),
    ("heat", ["HT_CARB", "HT_IND"]), ("plate", ["PLT", "PLT_ENI"]), ("plate", ["PLT", "PLT_HCR"]),
    ("plate", ["PLT", "PLT_ENI", "PLT_HCR"]), ("anodize", ["ANO", "SB"]), ("anodize", ["ANO"]),
    ("polish", ["BLK", "SPBR"]), ("polish", ["BLK", "SPBR"]), ("paint", ["PNT", "SPBF"]),
    ("paint", ["PNT", "SPBF"]),
]


def _neighbours() -> list[dict]:
    names = {p["code"]: (p["name_ja"], p["name_en"]) for p in taxonomy.PROCESSES}
    towns = list(_TOWNS)
    shops = []
    for i, ((trade, codes), (surname, kana, roman)) in enumerate(
        zip(_NEIGHBOURS, _SURNAMES, strict=False)
    ):
        (suffix, suffix_kana, suffix_en), materials, tolerance = _TRADES[trade]
        town = towns[(i * 7) % len(towns)]
        _postal, lat, lng = _TOWNS[town]
        capabilities = [
            _cap(
                code, materials, (300, 200, 150), tolerance, (1, 500), 5 + i % 8, 40 + (i % 5) * 10,
                [(*MACHINE_CATALOG[code][0], 1 + i % 2)] if MACHINE_CATALOG[code] else [],
            )
            for code in codes
        ]
        shops.append(_ws(
            f"neighbour-{i + 1:02d}", f"{surname}{suffix}", f"{kana}{suffix_kana}",
            f"{roman} {suffix_en}", town, f"{1 + i % 4}-{3 + i % 17}-{1 + i % 9}",
            round(lat + ((i % 5) - 2) * 0.0015, 6), round(lng + (((i // 5) % 5) - 2) * 0.0015, 6),
            (2, 3, 4, 5, 6, 7, 8, 9)[i % 8], 1955 + (i * 7) % 60,
            "・".join(names[c][0] for c in codes) + "を専門とする町工場です。",
            "A small shop specialising in " + " and ".join(names[c][1] for c in codes).lower()
            + ".",
            capabilities,
        ))
    return shops


WORKSHOPS += _neighbours()


def _u(username, display_name, role, workshop=None, district=None):
    return {
        "username": username,
        "password": DEMO_PASSWORD,
        "display_name": display_name,
        "role": role,
        "workshop": workshop,
        "district": district,
    }


DEMO_USERS = [
    # Hubs: owner, manager, floor
    _u("maruyama_owner", "丸山 健一", "owner", "maruyama-seisakusho"),
    _u("maruyama_manager", "佐藤 美穂", "manager", "maruyama-seisakusho"),
    _u("maruyama_floor", "高橋 翔", "floor", "maruyama-seisakusho"),
    _u("hayashi_owner", "林 正和", "owner", "hayashi-kiko"),
    _u("hayashi_manager", "中島 由紀", "manager", "hayashi-kiko"),
    _u("hayashi_floor", "石井 大輔", "floor", "hayashi-kiko"),
    _u("kamata_owner", "村上 浩二", "owner", "kamata-techno"),
    _u("kamata_manager", "森田 真理子", "manager", "kamata-techno"),
    _u("kamata_floor", "松井 拓也", "floor", "kamata-techno"),
    # Specialist shops: owner and floor
    _u("tanaka_owner", "田中 茂", "owner", "tanaka-seiki"),
    _u("tanaka_floor", "田中 悠斗", "floor", "tanaka-seiki"),
    _u("suzuki_owner", "鈴木 勝", "owner", "suzuki-jidou-senban"),
    _u("suzuki_floor", "野口 剛", "floor", "suzuki-jidou-senban"),
    _u("matsumoto_owner", "松本 和夫", "owner", "matsumoto-kensaku"),
    _u("matsumoto_floor", "松本 亮", "floor", "matsumoto-kensaku"),
    _u("yamaguchi_owner", "山口 隆", "owner", "yamaguchi-wire"),
    _u("yamaguchi_floor", "菅原 健太", "floor", "yamaguchi-wire"),
    _u("heiwajima_owner", "岡部 誠", "owner", "heiwajima-netsushori"),
    _u("heiwajima_floor", "小松 智之", "floor", "heiwajima-netsushori"),
    _u("kojiya_owner", "内田 清", "owner", "kojiya-mekki"),
    _u("kojiya_floor", "西村 彩", "floor", "kojiya-mekki"),
    _u("ishikawa_owner", "石川 博", "owner", "ishikawa-bankin"),
    _u("ishikawa_floor", "原 直樹", "floor", "ishikawa-bankin"),
    # District staff of the ward-wide association
    _u("ota_staff1", "渡部 恵子", "district_staff", district="ota"),
    _u("ota_staff2", "今井 康平", "district_staff", district="ota"),
]


def _distance_km(lat1, lng1, lat2, lng2):
    # Equirectangular approximation; plenty for a few kilometres.
    x = math.radians(lng2 - lng1) * math.cos(math.radians((lat1 + lat2) / 2))
    y = math.radians(lat2 - lat1)
    return 6371.0 * math.hypot(x, y)


def _is_katakana(s):
    return all("\u30a0" <= ch <= "\u30ff" for ch in s)


def validate() -> None:
    """Assert the demo data is internally consistent and matches the taxonomy."""
    taxonomy.validate()
    processes = taxonomy.process_codes()
    materials = taxonomy.material_codes()
    certifications = taxonomy.certification_codes()

    for d in (DISTRICT, SECOND_DISTRICT):
        assert set(d) == {"slug", "name_ja", "name_en", "prefecture"}, d
        assert d["slug"].isascii() and d["prefecture"] == "東京都", d
    assert DISTRICT["slug"] != SECOND_DISTRICT["slug"]
    district_slugs = {DISTRICT["slug"], SECOND_DISTRICT["slug"]}

    keys = [w["key"] for w in WORKSHOPS]
    assert len(keys) == len(set(keys)), "duplicate workshop keys"
    assert len(WORKSHOPS) >= 34, len(WORKSHOPS)
    names = [w["name"] for w in WORKSHOPS]
    assert len(names) == len(set(names)), "duplicate workshop names"

    expected_keys = {
        "key", "name", "name_kana", "name_en", "postal_code", "address", "latitude",
        "longitude", "headcount", "founded_year", "description", "description_en", "is_hub",
        "certifications", "in_second_district", "capabilities",
    }
    cap_keys = {
        "process", "materials", "max_length_mm", "max_width_mm", "max_height_mm",
        "tolerance_um", "lot_min", "lot_max", "lead_time_days", "capacity_hours_per_week",
        "machines",
    }
    bbox = OTA_BBOX
    for w in WORKSHOPS:
        k = w["key"]
        assert set(w) == expected_keys, (k, set(w) ^ expected_keys)
        assert k.isascii() and k == k.lower() and " " not in k, k
        assert _is_katakana(w["name_kana"]), (k, w["name_kana"])
        assert w["name_en"].isascii(), k
        # Address, postal code and coordinates agree with the neighbourhood.
        assert w["address"].startswith("東京都大田区"), k
        town = w["address"][len("東京都大田区"):].rstrip("0123456789-")
        assert town in _TOWNS, (k, town)
        postal, c_lat, c_lng = _TOWNS[town]
        assert w["postal_code"] == postal, (k, w["postal_code"], postal)
        assert w["postal_code"][:3] in {"143", "144", "146"}, k
        lat, lng = w["latitude"], w["longitude"]
        assert isinstance(lat, float) and isinstance(lng, float), k
        assert round(lat, 6) == lat and round(lng, 6) == lng, k
        assert bbox["lat_min"] <= lat <= bbox["lat_max"], (k, lat)
        assert bbox["lng_min"] <= lng <= bbox["lng_max"], (k, lng)
        dist = _distance_km(lat, lng, c_lat, c_lng)
        assert dist <= _TOWN_RADIUS_KM, (k, town, round(dist, 2))
        # People, age, role.
        assert isinstance(w["headcount"], int) and 1 <= w["headcount"] <= 40, k
        assert 1946 <= w["founded_year"] <= 2015, k
        if w["is_hub"]:
            assert 12 <= w["headcount"] <= 40, k
        assert w["description"] and w["description_en"], k
        assert isinstance(w["is_hub"], bool) and isinstance(w["in_second_district"], bool), k
        for c in w["certifications"]:
            assert c in certifications, (k, c)
        assert len(w["certifications"]) == len(set(w["certifications"])), k
        # Capabilities.
        caps = w["capabilities"]
        assert 1 <= len(caps) <= 3, k
        procs = [c["process"] for c in caps]
        assert len(procs) == len(set(procs)), (k, "one capability per process")
        if w["is_hub"]:
            assert "ASM" in procs, (k, "hubs assemble")
            assert {"INS", "CMM"} & set(procs), (k, "hubs inspect")
        seen_machines = {}
        for c in caps:
            assert set(c) == cap_keys, (k, set(c) ^ cap_keys)
            assert c["process"] in processes, (k, c["process"])
            for m in c["materials"]:
                assert m in materials, (k, c["process"], m)
            assert len(c["materials"]) == len(set(c["materials"])), (k, c["process"])
            for dim in ("max_length_mm", "max_width_mm", "max_height_mm"):
                assert c[dim] > 0, (k, c["process"], dim)
            assert c["tolerance_um"] > 0, (k, c["process"])
            assert 1 <= c["lot_min"] <= c["lot_max"], (k, c["process"])
            assert 3 <= c["lead_time_days"] <= 20, (k, c["process"])
            assert 20 <= c["capacity_hours_per_week"] <= 200, (k, c["process"])
            catalog = set(MACHINE_CATALOG[c["process"]])
            for maker, model, count in c["machines"]:
                assert (maker, model) in catalog, (k, c["process"], maker, model)
                assert isinstance(count, int) and count >= 1, (k, model)
                # The same machine in two capabilities of one shop is one machine.
                assert seen_machines.setdefault((maker, model), count) == count, (k, model)
    hubs = [w for w in WORKSHOPS if w["is_hub"]]
    assert 4 <= len(hubs) <= 5, len(hubs)
    small = sum(1 for w in WORKSHOPS if w["headcount"] <= 9)
    assert small / len(WORKSHOPS) >= 0.65, small
    assert 5 <= sum(w["in_second_district"] for w in WORKSHOPS) <= 8
    cert_count = sum(1 for w in WORKSHOPS if w["certifications"])
    assert cert_count < len(WORKSHOPS) / 2, "most shops hold no certification"
    assert 1 <= sum("JISQ9100" in w["certifications"] for w in WORKSHOPS) <= 2

    # Users.
    usernames = [u["username"] for u in DEMO_USERS]
    assert len(usernames) == len(set(usernames)), "duplicate usernames"
    workshop_keys = set(keys)
    by_workshop: dict[str, set[str]] = {}
    for u in DEMO_USERS:
        assert set(u) == {"username", "password", "display_name", "role", "workshop",
                          "district"}, u
        assert u["username"].isascii() and u["username"] == u["username"].lower(), u
        assert u["password"] == DEMO_PASSWORD, u
        assert u["display_name"], u
        if u["role"] == "district_staff":
            assert u["workshop"] is None and u["district"] in district_slugs, u
        else:
            assert u["role"] in {"owner", "manager", "floor"}, u
            assert u["workshop"] in workshop_keys and u["district"] is None, u
            by_workshop.setdefault(u["workshop"], set()).add(u["role"])
    hub_keys = {w["key"] for w in hubs}
    full_hubs = [k for k, roles in by_workshop.items()
                 if k in hub_keys and roles >= {"owner", "manager", "floor"}]
    assert len(full_hubs) >= 3, full_hubs
    specialists = [k for k, roles in by_workshop.items()
                   if k not in hub_keys and roles >= {"owner", "floor"}]
    assert len(specialists) >= 6, specialists
    staff = [u for u in DEMO_USERS
             if u["role"] == "district_staff" and u["district"] == DISTRICT["slug"]]
    assert len(staff) >= 2, staff
    for roles in by_workshop.values():
        assert "owner" in roles
