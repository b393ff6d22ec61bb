"""INSEE legal forms (catégories juridiques) and the ESS family they imply.

Codes and labels from INSEE's official list of "catégories juridiques" (niveau III). Only the
forms the platform meets often carry a label here; any 4-digit code is accepted and shown as is.
The ESS family is derived from the official ESS flag first (O: ESS, N: not ESS) and from the
legal form only when the flag is empty (DOMAIN.md).
"""

from __future__ import annotations

from .enums import EssFamily

LABELS: dict[str, str] = {
    "1000": "Entrepreneur individuel",
    "5202": "Société en nom collectif",
    "5306": "Société en commandite simple",
    "5443": "SARL coopérative de construction",
    "5451": "SARL coopérative de consommation",
    "5453": "SARL coopérative artisanale",
    "5454": "SARL coopérative d'intérêt maritime",
    "5455": "SARL coopérative de transport",
    "5458": "SARL coopérative ouvrière de production (SCOP)",
    "5459": "SARL union de sociétés coopératives",
    "5460": "Autre SARL coopérative",
    "5485": "Société d'exercice libéral à responsabilité limitée",
    "5498": "SARL unipersonnelle",
    "5499": "Société à responsabilité limitée (sans autre indication)",
    "5543": "SA coopérative de construction à conseil d'administration",
    "5547": "SA coopérative de production de HLM à conseil d'administration",
    "5551": "SA coopérative de consommation à conseil d'administration",
    "5553": "SA coopérative artisanale à conseil d'administration",
    "5558": "SA coopérative ouvrière de production (SCOP) à conseil d'administration",
    "5559": "SA union de sociétés coopératives à conseil d'administration",
    "5560": "Autre SA coopérative à conseil d'administration",
    "5599": "SA à conseil d'administration (s.a.i.)",
    "5658": "SA coopérative ouvrière de production (SCOP) à directoire",
    "5660": "Autre SA coopérative à directoire",
    "5699": "SA à directoire (s.a.i.)",
    "5710": "SAS, société par actions simplifiée",
    "5720": "Société par actions simplifiée à associé unique",
    "6316": "Coopérative d'utilisation de matériel agricole en commun (CUMA)",
    "6317": "Société coopérative agricole",
    "6318": "Union de sociétés coopératives agricoles",
    "6411": "Société d'assurance à forme mutuelle",
    "6540": "Société civile immobilière",
    "6558": "Société civile coopérative entre médecins",
    "6560": "Autre société civile coopérative",
    "7210": "Commune et commune nouvelle",
    "7220": "Département",
    "7229": "Collectivité et territoire à statut particulier",
    "7230": "Région",
    "7346": "Communauté de communes",
    "7348": "Communauté d'agglomération",
    "7343": "Communauté urbaine",
    "7344": "Métropole",
    "7389": "Établissement public national à caractère administratif",
    "8210": "Mutuelle",
    "8250": "Assurance mutuelle agricole",
    "8290": "Autre organisme mutualiste",
    "9210": "Association non déclarée",
    "9220": "Association déclarée",
    "9221": "Association déclarée d'insertion par l'économique",
    "9222": "Association intermédiaire",
    "9223": "Groupement d'employeurs",
    "9224": "Association d'avocats à responsabilité professionnelle individuelle",
    "9230": "Association déclarée, reconnue d'utilité publique",
    "9240": "Congrégation",
    "9260": "Association de droit local (Bas-Rhin, Haut-Rhin et Moselle)",
    "9300": "Fondation",
}

_COOPERATIVE_RANGES = [
    (5443, 5460),
    (5543, 5560),
    (5643, 5660),
    (6316, 6318),
    (6543, 6560),
]


def legal_form_label(code: str) -> str:
    return LABELS.get(code, "")


def family_from_legal_form(code: str) -> EssFamily | None:
    """The ESS family a legal form implies, or None for an ordinary form."""
    if not code or not code.isdigit() or len(code) != 4:
        return None
    number = int(code)
    if 9210 <= number <= 9260:
        return EssFamily.ASSOCIATION
    if number == 9300:
        return EssFamily.FOUNDATION
    if number in (8210, 8250, 8290, 6411):
        return EssFamily.MUTUAL
    if any(low <= number <= high for low, high in _COOPERATIVE_RANGES):
        return EssFamily.COOPERATIVE
    return None


def ess_family(*, ess_flag: str, legal_form_code: str) -> EssFamily:
    """Official flag first: O is ESS (family from the form, else an ESS company), N is not ESS;
    an empty flag falls back on the legal form."""
    from_form = family_from_legal_form(legal_form_code)
    if ess_flag == "O":
        return from_form or EssFamily.ESS_COMPANY
    if ess_flag == "N":
        return EssFamily.NOT_ESS
    if from_form is not None:
        return from_form
    return EssFamily.UNKNOWN if not legal_form_code else EssFamily.NOT_ESS
