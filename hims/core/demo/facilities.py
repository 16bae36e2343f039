"""The demo network's places: Delhi localities, hospitals and polyclinics, Arogya Mandirs and
Jan Aushadhi Kendras.

Names and districts are those of real Delhi government facilities and localities; coordinates
are approximate (within about a kilometre). HFR IDs and phone numbers are fictional: HFR IDs
have the real format (IN, state code 07 for Delhi, 8 digits) but are not registered anywhere.
Districts follow the eleven revenue districts of `hims.network.choices.District`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from hims.network.choices import District, FacilityType, RolloutStatus, Weekday


@dataclass(frozen=True)
class Locality:
    """A Delhi neighbourhood with its revenue district and PIN code."""

    key: str
    name: str
    name_hi: str
    district: District
    pincode: str
    latitude: float
    longitude: float


def _locality(
    key: str, name: str, name_hi: str, district: District, pincode: str, lat: float, lon: float
) -> Locality:
    return Locality(key, name, name_hi, district, pincode, lat, lon)


C, N, NE, NW = District.CENTRAL, District.NORTH, District.NORTH_EAST, District.NORTH_WEST
E, ND, SH, S = District.EAST, District.NEW_DELHI, District.SHAHDARA, District.SOUTH
SE, SW, W = District.SOUTH_EAST, District.SOUTH_WEST, District.WEST

LOCALITIES: tuple[Locality, ...] = (
    # Central
    _locality("daryaganj", "Daryaganj", "दरियागंज", C, "110002", 28.6448, 77.2412),
    _locality("karol-bagh", "Karol Bagh", "करोल बाग", C, "110005", 28.6514, 77.1907),
    _locality("paharganj", "Paharganj", "पहाड़गंज", C, "110055", 28.6443, 77.2123),
    _locality("rajinder-nagar", "Rajinder Nagar", "राजिंदर नगर", C, "110060", 28.6390, 77.1850),
    # North
    _locality("civil-lines", "Civil Lines", "सिविल लाइंस", N, "110054", 28.6814, 77.2226),
    _locality("model-town", "Model Town", "मॉडल टाउन", N, "110009", 28.7158, 77.1910),
    _locality("burari", "Burari", "बुराड़ी", N, "110084", 28.7560, 77.1960),
    _locality("narela", "Narela", "नरेला", N, "110040", 28.8527, 77.0929),
    _locality("sadar-bazar", "Sadar Bazar", "सदर बाज़ार", N, "110006", 28.6580, 77.2100),
    # North East
    _locality("seelampur", "Seelampur", "सीलमपुर", NE, "110053", 28.6710, 77.2680),
    _locality("yamuna-vihar", "Yamuna Vihar", "यमुना विहार", NE, "110053", 28.6980, 77.2790),
    _locality("karawal-nagar", "Karawal Nagar", "करावल नगर", NE, "110094", 28.7300, 77.2780),
    _locality("mustafabad", "Mustafabad", "मुस्तफ़ाबाद", NE, "110094", 28.7130, 77.2720),
    _locality("bhajanpura", "Bhajanpura", "भजनपुरा", NE, "110053", 28.7030, 77.2620),
    # North West
    _locality("rohini", "Rohini Sector 6", "रोहिणी सेक्टर 6", NW, "110085", 28.7140, 77.1130),
    _locality("pitampura", "Pitampura", "पीतमपुरा", NW, "110034", 28.6980, 77.1380),
    _locality("mangolpuri", "Mangolpuri", "मंगोलपुरी", NW, "110083", 28.6930, 77.0830),
    _locality("sultanpuri", "Sultanpuri", "सुल्तानपुरी", NW, "110086", 28.6970, 77.0630),
    _locality("shalimar-bagh", "Shalimar Bagh", "शालीमार बाग़", NW, "110088", 28.7160, 77.1630),
    # Shahdara
    _locality("shahdara", "Shahdara", "शाहदरा", SH, "110032", 28.6730, 77.2890),
    _locality("dilshad-garden", "Dilshad Garden", "दिलशाद गार्डन", SH, "110095", 28.6820, 77.3180),
    _locality("seemapuri", "Seemapuri", "सीमापुरी", SH, "110095", 28.6870, 77.3230),
    _locality("vivek-vihar", "Vivek Vihar", "विवेक विहार", SH, "110095", 28.6720, 77.3150),
    # East
    _locality(
        "mayur-vihar", "Mayur Vihar Phase 1", "मयूर विहार फेज़ 1", E, "110091", 28.6080, 77.2940
    ),
    _locality("preet-vihar", "Preet Vihar", "प्रीत विहार", E, "110092", 28.6410, 77.2950),
    _locality("laxmi-nagar", "Laxmi Nagar", "लक्ष्मी नगर", E, "110092", 28.6310, 77.2770),
    _locality("trilokpuri", "Trilokpuri", "त्रिलोकपुरी", E, "110091", 28.6130, 77.3100),
    _locality("khichripur", "Khichripur", "खिचड़ीपुर", E, "110091", 28.6220, 77.3070),
    # New Delhi
    _locality("chanakyapuri", "Chanakyapuri", "चाणक्यपुरी", ND, "110021", 28.5960, 77.1850),
    _locality("gole-market", "Gole Market", "गोल मार्केट", ND, "110001", 28.6330, 77.2030),
    _locality(
        "delhi-cantonment", "Delhi Cantonment", "दिल्ली छावनी", ND, "110010", 28.5950, 77.1400
    ),
    _locality("munirka", "Munirka", "मुनिरका", ND, "110067", 28.5570, 77.1730),
    # South
    _locality("malviya-nagar", "Malviya Nagar", "मालवीय नगर", S, "110017", 28.5330, 77.2100),
    _locality("sangam-vihar", "Sangam Vihar", "संगम विहार", S, "110080", 28.5000, 77.2400),
    _locality("mehrauli", "Mehrauli", "महरौली", S, "110030", 28.5180, 77.1790),
    _locality("chhatarpur", "Chhatarpur", "छतरपुर", S, "110074", 28.4990, 77.1700),
    _locality("saket", "Saket", "साकेत", S, "110017", 28.5240, 77.2070),
    # South East
    _locality("kalkaji", "Kalkaji", "कालकाजी", SE, "110019", 28.5480, 77.2590),
    _locality("lajpat-nagar", "Lajpat Nagar", "लाजपत नगर", SE, "110024", 28.5680, 77.2430),
    _locality("badarpur", "Badarpur", "बदरपुर", SE, "110044", 28.5030, 77.3020),
    _locality("govindpuri", "Govindpuri", "गोविंदपुरी", SE, "110019", 28.5380, 77.2650),
    _locality("jamia-nagar", "Jamia Nagar", "जामिया नगर", SE, "110025", 28.5620, 77.2850),
    # South West
    _locality("dwarka", "Dwarka Sector 10", "द्वारका सेक्टर 10", SW, "110075", 28.5810, 77.0570),
    _locality("najafgarh", "Najafgarh", "नजफ़गढ़", SW, "110043", 28.6090, 76.9800),
    _locality("palam", "Palam", "पालम", SW, "110045", 28.5850, 77.0900),
    _locality("kapashera", "Kapashera", "कापसहेड़ा", SW, "110037", 28.5250, 77.0840),
    _locality("jaffarpur", "Jaffarpur Kalan", "जाफ़रपुर कलां", SW, "110073", 28.5930, 76.9190),
    # West
    _locality("hari-nagar", "Hari Nagar", "हरि नगर", W, "110064", 28.6270, 77.1070),
    _locality("moti-nagar", "Moti Nagar", "मोती नगर", W, "110015", 28.6610, 77.1420),
    _locality("janakpuri", "Janakpuri", "जनकपुरी", W, "110058", 28.6219, 77.0878),
    _locality("tilak-nagar", "Tilak Nagar", "तिलक नगर", W, "110018", 28.6400, 77.0960),
    _locality("uttam-nagar", "Uttam Nagar", "उत्तम नगर", W, "110059", 28.6210, 77.0550),
)

LOCALITY_BY_KEY: dict[str, Locality] = {locality.key: locality for locality in LOCALITIES}


@dataclass(frozen=True)
class HospitalSpec:
    """A hospital or polyclinic of the demo network, with its OPD specialities."""

    code: str
    name: str
    name_hi: str
    facility_type: FacilityType
    address_line: str
    locality: str  # a LOCALITIES key
    latitude: float
    longitude: float
    phone: str
    rollout_phase: int
    rollout_status: RolloutStatus
    specialities: tuple[str, ...]  # Speciality codes (network migration 0002)
    patient_weight: int  # share of the demo patients registered here


H, PC = FacilityType.HOSPITAL, FacilityType.POLYCLINIC
LIVE, ONBOARDING, PLANNED = RolloutStatus.LIVE, RolloutStatus.ONBOARDING, RolloutStatus.PLANNED

# The departments every large OPD has, then the extras of each hospital.
CORE_OPD = (
    "general-medicine",
    "general-surgery",
    "paediatrics",
    "obstetrics-gynaecology",
    "orthopaedics",
    "ent",
    "ophthalmology",
)

FLAGSHIP = "lnjp"
SECOND_HOSPITAL = "gtb"

HOSPITALS: tuple[HospitalSpec, ...] = (
    HospitalSpec(
        "lnjp", "Lok Nayak Hospital", "लोक नायक अस्पताल", H,
        "Jawaharlal Nehru Marg, near Delhi Gate", "daryaganj", 28.6389, 77.2378,
        "011-23236001", 1, LIVE, (*CORE_OPD, "dermatology", "psychiatry", "cardiology"), 14,
    ),
    HospitalSpec(
        "gtb", "Guru Teg Bahadur Hospital", "गुरु तेग बहादुर अस्पताल", H,
        "Dilshad Garden, near Shahdara Metro", "dilshad-garden", 28.6856, 77.3100,
        "011-22586001", 1, LIVE, (*CORE_OPD, "dental", "respiratory-medicine", "psychiatry"), 12,
    ),
    HospitalSpec(
        "ddu", "Deen Dayal Upadhyay Hospital", "दीन दयाल उपाध्याय अस्पताल", H,
        "Hari Nagar, Clock Tower", "hari-nagar", 28.6272, 77.1082,
        "011-25494001", 1, LIVE, (*CORE_OPD, "dental", "dermatology"), 9,
    ),
    HospitalSpec(
        "bsa", "Dr. Baba Saheb Ambedkar Hospital", "डॉ. बाबा साहेब अम्बेडकर अस्पताल", H,
        "Sector 6, Rohini", "rohini", 28.7136, 77.1160,
        "011-27055001", 1, LIVE, (*CORE_OPD, "respiratory-medicine", "cardiology"), 8,
    ),
    HospitalSpec(
        "lbs", "Lal Bahadur Shastri Hospital", "लाल बहादुर शास्त्री अस्पताल", H,
        "Khichripur, near Kalyanpuri", "khichripur", 28.6214, 77.3050,
        "011-22245001", 1, LIVE, (*CORE_OPD, "dental"), 7,
    ),
    HospitalSpec(
        "sgm", "Sanjay Gandhi Memorial Hospital", "संजय गांधी स्मारक अस्पताल", H,
        "S Block, Mangolpuri", "mangolpuri", 28.6961, 77.0820,
        "011-27922001", 2, LIVE, (*CORE_OPD, "dermatology"), 6,
    ),
    HospitalSpec(
        "asbh", "Acharya Shree Bhikshu Government Hospital", "आचार्य श्री भिक्षु सरकारी अस्पताल", H,
        "Moti Nagar, near DTC Depot", "moti-nagar", 28.6600, 77.1440,
        "011-25102001", 2, ONBOARDING, (*CORE_OPD, "dental"), 2,
    ),
    HospitalSpec(
        "mmm", "Pt. Madan Mohan Malaviya Hospital", "पं. मदन मोहन मालवीय अस्पताल", H,
        "Shivalik Road, Malviya Nagar", "malviya-nagar", 28.5365, 77.2110,
        "011-26681001", 2, ONBOARDING, (*CORE_OPD, "dermatology"), 2,
    ),
    HospitalSpec(
        "pc-yamuna-vihar", "Delhi Government Polyclinic, Yamuna Vihar",
        "दिल्ली सरकार पॉलीक्लिनिक, यमुना विहार", PC,
        "C Block, Yamuna Vihar", "yamuna-vihar", 28.6975, 77.2795,
        "011-22916001", 1, LIVE,
        ("general-medicine", "paediatrics", "obstetrics-gynaecology", "ophthalmology", "dental"), 4,
    ),
    HospitalSpec(
        "pc-kalkaji", "Delhi Government Polyclinic, Kalkaji", "दिल्ली सरकार पॉलीक्लिनिक, कालकाजी", PC,
        "Block H, Kalkaji", "kalkaji", 28.5476, 77.2585,
        "011-26221001", 2, PLANNED,
        ("general-medicine", "paediatrics", "obstetrics-gynaecology", "ent", "dermatology", "ayush"),
        0,
    ),
)  # fmt: skip

# 34 Ayushman Arogya Mandirs: three in every district, four in North East.
AROGYA_MANDIR_LOCALITIES: tuple[str, ...] = (
    "paharganj", "karol-bagh", "rajinder-nagar",
    "burari", "narela", "model-town",
    "seelampur", "karawal-nagar", "mustafabad", "bhajanpura",
    "sultanpuri", "pitampura", "shalimar-bagh",
    "shahdara", "seemapuri", "vivek-vihar",
    "trilokpuri", "laxmi-nagar", "mayur-vihar",
    "gole-market", "delhi-cantonment", "munirka",
    "sangam-vihar", "mehrauli", "chhatarpur",
    "govindpuri", "badarpur", "jamia-nagar",
    "najafgarh", "palam", "kapashera",
    "uttam-nagar", "tilak-nagar", "janakpuri",
)  # fmt: skip

AROGYA_MANDIR_ADDRESSES: tuple[str, ...] = (
    "Community Hall",
    "Near Government Senior Secondary School",
    "DDA Market",
    "Near Metro Station",
    "MCD Primary School Building",
    "Near Main Chowk",
)

AROGYA_MANDIR_SPECIALITIES = ("primary-care", "immunization", "antenatal-care")

# The flagship Arogya Mandir and Jan Aushadhi Kendra get the demo ANM and pharmacist logins.
DEMO_AROGYA_MANDIR = "seelampur"
DEMO_JAN_AUSHADHI = "daryaganj"


@dataclass(frozen=True)
class JanAushadhiSpec:
    """A Jan Aushadhi Kendra; `hospital` names the hospital whose campus it stands in."""

    locality: str
    address_line: str
    hospital: str | None = None


JAN_AUSHADHI_KENDRAS: tuple[JanAushadhiSpec, ...] = (
    JanAushadhiSpec("daryaganj", "Lok Nayak Hospital campus, Jawaharlal Nehru Marg", "lnjp"),
    JanAushadhiSpec("dilshad-garden", "Guru Teg Bahadur Hospital campus, Dilshad Garden", "gtb"),
    JanAushadhiSpec("hari-nagar", "Deen Dayal Upadhyay Hospital campus, Hari Nagar", "ddu"),
    JanAushadhiSpec("rohini", "Dr. Baba Saheb Ambedkar Hospital gate, Sector 6", "bsa"),
    JanAushadhiSpec("karol-bagh", "Shop 14, Ajmal Khan Road"),
    JanAushadhiSpec("laxmi-nagar", "Shop 3, Vikas Marg"),
    JanAushadhiSpec("lajpat-nagar", "Shop 21, Central Market"),
    JanAushadhiSpec("najafgarh", "Main Najafgarh Road, near Bus Stand"),
)

# Opening hours by facility type: (weekdays, opens, closes) sessions.
MONDAY_TO_SATURDAY = tuple(day for day in Weekday if day != Weekday.SUNDAY)
Session = tuple[tuple[Weekday, ...], time, time]
HOURS: dict[FacilityType, tuple[Session, ...]] = {
    FacilityType.HOSPITAL: ((MONDAY_TO_SATURDAY, time(8, 0), time(13, 0)),),
    FacilityType.POLYCLINIC: ((MONDAY_TO_SATURDAY, time(8, 0), time(14, 0)),),
    FacilityType.AROGYA_MANDIR: (
        (MONDAY_TO_SATURDAY, time(9, 0), time(13, 0)),
        (MONDAY_TO_SATURDAY, time(14, 0), time(16, 0)),
    ),
    FacilityType.JAN_AUSHADHI: (
        (MONDAY_TO_SATURDAY, time(9, 0), time(21, 0)),
        ((Weekday.SUNDAY,), time(10, 0), time(14, 0)),
    ),
}
