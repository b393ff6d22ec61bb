"""Reference data written from INSEE's Code officiel géographique (COG, 1 January 2024).

Plain tuples, no database access: the loader, the data imports and the API schema read them.
Sources: https://www.insee.fr/fr/information/7766585 (regions, departments, communes) and
https://www.insee.fr/fr/information/2028028 (pre-2016 regions, "régions avant 2016").
"""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple


class RegionRow(NamedTuple):
    code: str
    nom: str


class DepartmentRow(NamedTuple):
    code: str
    nom: str
    region: str  # code of the current region


class CommuneRow(NamedTuple):
    code: str  # INSEE code (not the postcode)
    nom: str
    department: str


class FormerRegionRow(NamedTuple):
    code: str  # INSEE code of the region before 1 January 2016
    nom: str
    region: str  # code of the current region it merged into


REGIONS: tuple[RegionRow, ...] = (
    RegionRow("01", "Guadeloupe"),
    RegionRow("02", "Martinique"),
    RegionRow("03", "Guyane"),
    RegionRow("04", "La Réunion"),
    RegionRow("06", "Mayotte"),
    RegionRow("11", "Île-de-France"),
    RegionRow("24", "Centre-Val de Loire"),
    RegionRow("27", "Bourgogne-Franche-Comté"),
    RegionRow("28", "Normandie"),
    RegionRow("32", "Hauts-de-France"),
    RegionRow("44", "Grand Est"),
    RegionRow("52", "Pays de la Loire"),
    RegionRow("53", "Bretagne"),
    RegionRow("75", "Nouvelle-Aquitaine"),
    RegionRow("76", "Occitanie"),
    RegionRow("84", "Auvergne-Rhône-Alpes"),
    RegionRow("93", "Provence-Alpes-Côte d'Azur"),
    RegionRow("94", "Corse"),
)

DEPARTMENTS: tuple[DepartmentRow, ...] = (
    DepartmentRow("01", "Ain", "84"),
    DepartmentRow("02", "Aisne", "32"),
    DepartmentRow("03", "Allier", "84"),
    DepartmentRow("04", "Alpes-de-Haute-Provence", "93"),
    DepartmentRow("05", "Hautes-Alpes", "93"),
    DepartmentRow("06", "Alpes-Maritimes", "93"),
    DepartmentRow("07", "Ardèche", "84"),
    DepartmentRow("08", "Ardennes", "44"),
    DepartmentRow("09", "Ariège", "76"),
    DepartmentRow("10", "Aube", "44"),
    DepartmentRow("11", "Aude", "76"),
    DepartmentRow("12", "Aveyron", "76"),
    DepartmentRow("13", "Bouches-du-Rhône", "93"),
    DepartmentRow("14", "Calvados", "28"),
    DepartmentRow("15", "Cantal", "84"),
    DepartmentRow("16", "Charente", "75"),
    DepartmentRow("17", "Charente-Maritime", "75"),
    DepartmentRow("18", "Cher", "24"),
    DepartmentRow("19", "Corrèze", "75"),
    DepartmentRow("21", "Côte-d'Or", "27"),
    DepartmentRow("22", "Côtes-d'Armor", "53"),
    DepartmentRow("23", "Creuse", "75"),
    DepartmentRow("24", "Dordogne", "75"),
    DepartmentRow("25", "Doubs", "27"),
    DepartmentRow("26", "Drôme", "84"),
    DepartmentRow("27", "Eure", "28"),
    DepartmentRow("28", "Eure-et-Loir", "24"),
    DepartmentRow("29", "Finistère", "53"),
    DepartmentRow("2A", "Corse-du-Sud", "94"),
    DepartmentRow("2B", "Haute-Corse", "94"),
    DepartmentRow("30", "Gard", "76"),
    DepartmentRow("31", "Haute-Garonne", "76"),
    DepartmentRow("32", "Gers", "76"),
    DepartmentRow("33", "Gironde", "75"),
    DepartmentRow("34", "Hérault", "76"),
    DepartmentRow("35", "Ille-et-Vilaine", "53"),
    DepartmentRow("36", "Indre", "24"),
    DepartmentRow("37", "Indre-et-Loire", "24"),
    DepartmentRow("38", "Isère", "84"),
    DepartmentRow("39", "Jura", "27"),
    DepartmentRow("40", "Landes", "75"),
    DepartmentRow("41", "Loir-et-Cher", "24"),
    DepartmentRow("42", "Loire", "84"),
    DepartmentRow("43", "Haute-Loire", "84"),
    DepartmentRow("44", "Loire-Atlantique", "52"),
    DepartmentRow("45", "Loiret", "24"),
    DepartmentRow("46", "Lot", "76"),
    DepartmentRow("47", "Lot-et-Garonne", "75"),
    DepartmentRow("48", "Lozère", "76"),
    DepartmentRow("49", "Maine-et-Loire", "52"),
    DepartmentRow("50", "Manche", "28"),
    DepartmentRow("51", "Marne", "44"),
    DepartmentRow("52", "Haute-Marne", "44"),
    DepartmentRow("53", "Mayenne", "52"),
    DepartmentRow("54", "Meurthe-et-Moselle", "44"),
    DepartmentRow("55", "Meuse", "44"),
    DepartmentRow("56", "Morbihan", "53"),
    DepartmentRow("57", "Moselle", "44"),
    DepartmentRow("58", "Nièvre", "27"),
    DepartmentRow("59", "Nord", "32"),
    DepartmentRow("60", "Oise", "32"),
    DepartmentRow("61", "Orne", "28"),
    DepartmentRow("62", "Pas-de-Calais", "32"),
    DepartmentRow("63", "Puy-de-Dôme", "84"),
    DepartmentRow("64", "Pyrénées-Atlantiques", "75"),
    DepartmentRow("65", "Hautes-Pyrénées", "76"),
    DepartmentRow("66", "Pyrénées-Orientales", "76"),
    DepartmentRow("67", "Bas-Rhin", "44"),
    DepartmentRow("68", "Haut-Rhin", "44"),
    DepartmentRow("69", "Rhône", "84"),
    DepartmentRow("70", "Haute-Saône", "27"),
    DepartmentRow("71", "Saône-et-Loire", "27"),
    DepartmentRow("72", "Sarthe", "52"),
    DepartmentRow("73", "Savoie", "84"),
    DepartmentRow("74", "Haute-Savoie", "84"),
    DepartmentRow("75", "Paris", "11"),
    DepartmentRow("76", "Seine-Maritime", "28"),
    DepartmentRow("77", "Seine-et-Marne", "11"),
    DepartmentRow("78", "Yvelines", "11"),
    DepartmentRow("79", "Deux-Sèvres", "75"),
    DepartmentRow("80", "Somme", "32"),
    DepartmentRow("81", "Tarn", "76"),
    DepartmentRow("82", "Tarn-et-Garonne", "76"),
    DepartmentRow("83", "Var", "93"),
    DepartmentRow("84", "Vaucluse", "93"),
    DepartmentRow("85", "Vendée", "52"),
    DepartmentRow("86", "Vienne", "75"),
    DepartmentRow("87", "Haute-Vienne", "75"),
    DepartmentRow("88", "Vosges", "44"),
    DepartmentRow("89", "Yonne", "27"),
    DepartmentRow("90", "Territoire de Belfort", "27"),
    DepartmentRow("91", "Essonne", "11"),
    DepartmentRow("92", "Hauts-de-Seine", "11"),
    DepartmentRow("93", "Seine-Saint-Denis", "11"),
    DepartmentRow("94", "Val-de-Marne", "11"),
    DepartmentRow("95", "Val-d'Oise", "11"),
    DepartmentRow("971", "Guadeloupe", "01"),
    DepartmentRow("972", "Martinique", "02"),
    DepartmentRow("973", "Guyane", "03"),
    DepartmentRow("974", "La Réunion", "04"),
    DepartmentRow("976", "Mayotte", "06"),
)

# The prefecture of every department: the built-in communes of the demo.
PREFECTURES: tuple[CommuneRow, ...] = (
    CommuneRow("01053", "Bourg-en-Bresse", "01"),
    CommuneRow("02408", "Laon", "02"),
    CommuneRow("03190", "Moulins", "03"),
    CommuneRow("04070", "Digne-les-Bains", "04"),
    CommuneRow("05061", "Gap", "05"),
    CommuneRow("06088", "Nice", "06"),
    CommuneRow("07186", "Privas", "07"),
    CommuneRow("08105", "Charleville-Mézières", "08"),
    CommuneRow("09122", "Foix", "09"),
    CommuneRow("10387", "Troyes", "10"),
    CommuneRow("11069", "Carcassonne", "11"),
    CommuneRow("12202", "Rodez", "12"),
    CommuneRow("13055", "Marseille", "13"),
    CommuneRow("14118", "Caen", "14"),
    CommuneRow("15014", "Aurillac", "15"),
    CommuneRow("16015", "Angoulême", "16"),
    CommuneRow("17300", "La Rochelle", "17"),
    CommuneRow("18033", "Bourges", "18"),
    CommuneRow("19272", "Tulle", "19"),
    CommuneRow("21231", "Dijon", "21"),
    CommuneRow("22278", "Saint-Brieuc", "22"),
    CommuneRow("23096", "Guéret", "23"),
    CommuneRow("24322", "Périgueux", "24"),
    CommuneRow("25056", "Besançon", "25"),
    CommuneRow("26362", "Valence", "26"),
    CommuneRow("27229", "Évreux", "27"),
    CommuneRow("28085", "Chartres", "28"),
    CommuneRow("29232", "Quimper", "29"),
    CommuneRow("2A004", "Ajaccio", "2A"),
    CommuneRow("2B033", "Bastia", "2B"),
    CommuneRow("30189", "Nîmes", "30"),
    CommuneRow("31555", "Toulouse", "31"),
    CommuneRow("32013", "Auch", "32"),
    CommuneRow("33063", "Bordeaux", "33"),
    CommuneRow("34172", "Montpellier", "34"),
    CommuneRow("35238", "Rennes", "35"),
    CommuneRow("36044", "Châteauroux", "36"),
    CommuneRow("37261", "Tours", "37"),
    CommuneRow("38185", "Grenoble", "38"),
    CommuneRow("39300", "Lons-le-Saunier", "39"),
    CommuneRow("40192", "Mont-de-Marsan", "40"),
    CommuneRow("41018", "Blois", "41"),
    CommuneRow("42218", "Saint-Étienne", "42"),
    CommuneRow("43157", "Le Puy-en-Velay", "43"),
    CommuneRow("44109", "Nantes", "44"),
    CommuneRow("45234", "Orléans", "45"),
    CommuneRow("46042", "Cahors", "46"),
    CommuneRow("47001", "Agen", "47"),
    CommuneRow("48095", "Mende", "48"),
    CommuneRow("49007", "Angers", "49"),
    CommuneRow("50502", "Saint-Lô", "50"),
    CommuneRow("51108", "Châlons-en-Champagne", "51"),
    CommuneRow("52121", "Chaumont", "52"),
    CommuneRow("53130", "Laval", "53"),
    CommuneRow("54395", "Nancy", "54"),
    CommuneRow("55029", "Bar-le-Duc", "55"),
    CommuneRow("56260", "Vannes", "56"),
    CommuneRow("57463", "Metz", "57"),
    CommuneRow("58194", "Nevers", "58"),
    CommuneRow("59350", "Lille", "59"),
    CommuneRow("60057", "Beauvais", "60"),
    CommuneRow("61001", "Alençon", "61"),
    CommuneRow("62041", "Arras", "62"),
    CommuneRow("63113", "Clermont-Ferrand", "63"),
    CommuneRow("64445", "Pau", "64"),
    CommuneRow("65440", "Tarbes", "65"),
    CommuneRow("66136", "Perpignan", "66"),
    CommuneRow("67482", "Strasbourg", "67"),
    CommuneRow("68066", "Colmar", "68"),
    CommuneRow("69123", "Lyon", "69"),
    CommuneRow("70550", "Vesoul", "70"),
    CommuneRow("71270", "Mâcon", "71"),
    CommuneRow("72181", "Le Mans", "72"),
    CommuneRow("73065", "Chambéry", "73"),
    CommuneRow("74010", "Annecy", "74"),
    CommuneRow("75056", "Paris", "75"),
    CommuneRow("76540", "Rouen", "76"),
    CommuneRow("77288", "Melun", "77"),
    CommuneRow("78646", "Versailles", "78"),
    CommuneRow("79191", "Niort", "79"),
    CommuneRow("80021", "Amiens", "80"),
    CommuneRow("81004", "Albi", "81"),
    CommuneRow("82121", "Montauban", "82"),
    CommuneRow("83137", "Toulon", "83"),
    CommuneRow("84007", "Avignon", "84"),
    CommuneRow("85191", "La Roche-sur-Yon", "85"),
    CommuneRow("86194", "Poitiers", "86"),
    CommuneRow("87085", "Limoges", "87"),
    CommuneRow("88160", "Épinal", "88"),
    CommuneRow("89024", "Auxerre", "89"),
    CommuneRow("90010", "Belfort", "90"),
    CommuneRow("91228", "Évry-Courcouronnes", "91"),
    CommuneRow("92050", "Nanterre", "92"),
    CommuneRow("93008", "Bobigny", "93"),
    CommuneRow("94028", "Créteil", "94"),
    CommuneRow("95127", "Cergy", "95"),
    CommuneRow("97105", "Basse-Terre", "971"),
    CommuneRow("97209", "Fort-de-France", "972"),
    CommuneRow("97302", "Cayenne", "973"),
    CommuneRow("97411", "Saint-Denis", "974"),
    CommuneRow("97611", "Mamoudzou", "976"),
)

# The 27 regions in force until 31 December 2015 and the region each one belongs to today.
FORMER_REGIONS: tuple[FormerRegionRow, ...] = (
    FormerRegionRow("01", "Guadeloupe", "01"),
    FormerRegionRow("02", "Martinique", "02"),
    FormerRegionRow("03", "Guyane", "03"),
    FormerRegionRow("04", "La Réunion", "04"),
    FormerRegionRow("06", "Mayotte", "06"),
    FormerRegionRow("11", "Île-de-France", "11"),
    FormerRegionRow("21", "Champagne-Ardenne", "44"),
    FormerRegionRow("22", "Picardie", "32"),
    FormerRegionRow("23", "Haute-Normandie", "28"),
    FormerRegionRow("24", "Centre", "24"),
    FormerRegionRow("25", "Basse-Normandie", "28"),
    FormerRegionRow("26", "Bourgogne", "27"),
    FormerRegionRow("31", "Nord-Pas-de-Calais", "32"),
    FormerRegionRow("41", "Lorraine", "44"),
    FormerRegionRow("42", "Alsace", "44"),
    FormerRegionRow("43", "Franche-Comté", "27"),
    FormerRegionRow("52", "Pays de la Loire", "52"),
    FormerRegionRow("53", "Bretagne", "53"),
    FormerRegionRow("54", "Poitou-Charentes", "75"),
    FormerRegionRow("72", "Aquitaine", "75"),
    FormerRegionRow("73", "Midi-Pyrénées", "76"),
    FormerRegionRow("74", "Limousin", "75"),
    FormerRegionRow("82", "Rhône-Alpes", "84"),
    FormerRegionRow("83", "Auvergne", "84"),
    FormerRegionRow("91", "Languedoc-Roussillon", "76"),
    FormerRegionRow("93", "Provence-Alpes-Côte d'Azur", "93"),
    FormerRegionRow("94", "Corse", "94"),
)

# Spellings met in partners' files that are neither an official name nor a code.
_REGION_ALIASES = {
    "reunion": "04",
    "centre val de loire": "24",
    "paca": "93",
    "region sud": "93",
    "nord pas de calais picardie": "32",
    "alsace champagne ardenne lorraine": "44",
    "acal": "44",
    "aquitaine limousin poitou charentes": "75",
    "alpc": "75",
    "languedoc roussillon midi pyrenees": "76",
    "lrmp": "76",
}

# Code formats (unanchored, for URL patterns; the *_PATTERN versions are anchored).
REGION_CODE_REGEX = r"[0-9]{2}"
DEPARTMENT_CODE_REGEX = r"(?:0[1-9]|1[0-9]|2[1-9AB]|[3-8][0-9]|9[0-5]|97[12346])"
COMMUNE_CODE_REGEX = r"(?:[0-9]{5}|2[AB][0-9]{3})"
EPCI_CODE_REGEX = r"[0-9]{9}"
REGION_CODE_PATTERN = rf"^{REGION_CODE_REGEX}$"
DEPARTMENT_CODE_PATTERN = rf"^{DEPARTMENT_CODE_REGEX}$"
COMMUNE_CODE_PATTERN = rf"^{COMMUNE_CODE_REGEX}$"
EPCI_CODE_PATTERN = rf"^{EPCI_CODE_REGEX}$"


def normalize_name(value: str) -> str:
    """Lower-case ASCII words: "Provence-Alpes-Côte d’Azur" -> "provence alpes cote d azur"."""
    decomposed = unicodedata.normalize("NFKD", value)
    ascii_only = "".join(char for char in decomposed if not unicodedata.combining(char))
    return re.sub(r"[^a-z0-9]+", " ", ascii_only.casefold()).strip()


def _build_region_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for former in FORMER_REGIONS:
        index[former.code] = former.region
        index[normalize_name(former.nom)] = former.region
    # The current regions answer too: partners' files mix both vintages. The 2016 codes
    # (27, 28, 32, 44, 75, 76, 84) are disjoint from the former ones, so no code is ambiguous.
    for region in REGIONS:
        assert index.get(region.code, region.code) == region.code, region
        index[region.code] = region.code
        index[normalize_name(region.nom)] = region.code
    index.update(_REGION_ALIASES)
    return index


_REGION_INDEX = _build_region_index()


class UnknownRegion(ValueError):
    """The value names no region, past or present."""


def current_region_code(value: str) -> str:
    """Code of today's region for a region code or name, pre-2016 or current.

    Accent-, case- and punctuation-insensitive: "MIDI-PYRENEES", "midi pyrénées" and "73"
    all give "76". Only region codes are understood here: a department code must go through
    the department level, never this function.
    """
    key = value.strip()
    if key.isdigit() and len(key) == 1:
        key = f"0{key}"
    code = _REGION_INDEX.get(key) or _REGION_INDEX.get(normalize_name(key))
    if code is None:
        raise UnknownRegion(value)
    return code
