"""Demo organisations: thousands of realistic French ESS actors, deterministic for a seed, fast.

Identity and idempotence: the i-th demo organisation always gets the same SIREN,
``demo_siren(i)`` (a bijection of i, whatever the seed), and a private contact e-mail on the
demo domain. A re-run computes the SIRENs it would create, reads which already exist (one
query per batch) and creates only the missing ones, so nothing is ever duplicated and nothing
a demo user changed since (a moderation decision, an edit) is overwritten or deleted. Deleting
and recreating was rejected for those two reasons, and because later records (applications,
labels) will point to organisations with protected foreign keys.

Speed: rows are built in memory from precomputed lookups and written with ``bulk_create`` in
batches, one transaction per batch, with no query per row. ``bulk_create`` sends no
``post_save`` signal, so the caller rebuilds the search index once at the end. The rows are
demo data, not users' writes: like the reference territories they are not audited one by one.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate
from typing import Generic, TypeVar

from django.db import transaction

from frenchimpact.accounts.demo import DEMO_DOMAIN
from frenchimpact.accounts.models import User
from frenchimpact.territories import reference
from frenchimpact.territories.models import Department

from .enums import MemberRole, ModerationStatus, OrganisationKind, SizeBand, Source
from .legal_forms import ess_family, legal_form_label
from .models import REGISTRY_FIELDS, Membership, Organisation

MAX_ORGANISATIONS = 1_000_000  # keeps every demo SIREN and RNA number unique (see below)
BATCH_SIZE = 5_000

# Postal code of each prefecture's main delivery office (La Poste); the big cities have several
# (arrondissements and districts). The reference data carries INSEE codes only, not these.
POSTAL_CODES: dict[str, tuple[str, ...]] = {
    "01": ("01000",),
    "02": ("02000",),
    "03": ("03000",),
    "04": ("04000",),
    "05": ("05000",),
    "06": ("06000", "06100", "06200", "06300"),
    "07": ("07000",),
    "08": ("08000",),
    "09": ("09000",),
    "10": ("10000",),
    "11": ("11000",),
    "12": ("12000",),
    "13": tuple(f"130{n:02d}" for n in range(1, 17)),
    "14": ("14000",),
    "15": ("15000",),
    "16": ("16000",),
    "17": ("17000",),
    "18": ("18000",),
    "19": ("19000",),
    "21": ("21000",),
    "22": ("22000",),
    "23": ("23000",),
    "24": ("24000",),
    "25": ("25000",),
    "26": ("26000",),
    "27": ("27000",),
    "28": ("28000",),
    "29": ("29000",),
    "2A": ("20000", "20090"),
    "2B": ("20200", "20600"),
    "30": ("30000", "30900"),
    "31": ("31000", "31100", "31200", "31300", "31400", "31500"),
    "32": ("32000",),
    "33": ("33000", "33100", "33200", "33300", "33800"),
    "34": ("34000", "34070", "34080", "34090"),
    "35": ("35000", "35200", "35700"),
    "36": ("36000",),
    "37": ("37000", "37100", "37200"),
    "38": ("38000", "38100"),
    "39": ("39000",),
    "40": ("40000",),
    "41": ("41000",),
    "42": ("42000", "42100"),
    "43": ("43000",),
    "44": ("44000", "44100", "44200", "44300"),
    "45": ("45000", "45100"),
    "46": ("46000",),
    "47": ("47000",),
    "48": ("48000",),
    "49": ("49000", "49100"),
    "50": ("50000",),
    "51": ("51000",),
    "52": ("52000",),
    "53": ("53000",),
    "54": ("54000", "54100"),
    "55": ("55000",),
    "56": ("56000",),
    "57": ("57000", "57050", "57070"),
    "58": ("58000",),
    "59": ("59000", "59160", "59260", "59777", "59800"),
    "60": ("60000",),
    "61": ("61000",),
    "62": ("62000",),
    "63": ("63000", "63100"),
    "64": ("64000",),
    "65": ("65000",),
    "66": ("66000", "66100"),
    "67": ("67000", "67100", "67200"),
    "68": ("68000",),
    "69": tuple(f"6900{n}" for n in range(1, 10)),
    "70": ("70000",),
    "71": ("71000",),
    "72": ("72000", "72100"),
    "73": ("73000",),
    "74": ("74000",),
    "75": (*(f"750{n:02d}" for n in range(1, 21)), "75116"),
    "76": ("76000", "76100"),
    "77": ("77000",),
    "78": ("78000",),
    "79": ("79000",),
    "80": ("80000", "80080", "80090"),
    "81": ("81000",),
    "82": ("82000",),
    "83": ("83000", "83100", "83200"),
    "84": ("84000",),
    "85": ("85000",),
    "86": ("86000",),
    "87": ("87000", "87100"),
    "88": ("88000",),
    "89": ("89000",),
    "90": ("90000",),
    "91": ("91000", "91080"),
    "92": ("92000",),
    "93": ("93000",),
    "94": ("94000",),
    "95": ("95000",),
    "971": ("97100",),
    "972": ("97200",),
    "973": ("97300",),
    "974": ("97400",),
    "976": ("97600",),
}

# Population of each department in thousands (INSEE, populations légales 2021, rounded): the
# weight of its prefecture in the draw, so that the Nord or Paris hold far more demo
# organisations than the Lozère or the Creuse. Paris gets a bonus: national heads are there.
POPULATION_THOUSANDS: dict[str, int] = {
    "01": 657, "02": 526, "03": 335, "04": 165, "05": 141, "06": 1098, "07": 329, "08": 268,
    "09": 155, "10": 310, "11": 375, "12": 280, "13": 2049, "14": 699, "15": 144, "16": 352,
    "17": 657, "18": 298, "19": 240, "21": 535, "22": 601, "23": 116, "24": 414, "25": 545,
    "26": 520, "27": 599, "28": 431, "29": 916, "2A": 160, "2B": 183, "30": 752, "31": 1435,
    "32": 192, "33": 1654, "34": 1201, "35": 1095, "36": 218, "37": 611, "38": 1276, "39": 259,
    "40": 418, "41": 329, "42": 765, "43": 228, "44": 1450, "45": 682, "46": 174, "47": 331,
    "48": 76, "49": 820, "50": 495, "51": 566, "52": 172, "53": 307, "54": 734, "55": 184,
    "56": 763, "57": 1046, "58": 203, "59": 2608, "60": 829, "61": 279, "62": 1463, "63": 664,
    "64": 688, "65": 229, "66": 482, "67": 1152, "68": 767, "69": 1883, "70": 235, "71": 551,
    "72": 566, "73": 439, "74": 834, "75": 2133, "76": 1255, "77": 1421, "78": 1448, "79": 375,
    "80": 570, "81": 389, "82": 262, "83": 1077, "84": 562, "85": 690, "86": 438, "87": 372,
    "88": 362, "89": 335, "90": 141, "91": 1306, "92": 1625, "93": 1655, "94": 1407, "95": 1249,
    "971": 384, "972": 361, "973": 286, "974": 871, "976": 300,
}  # fmt: skip
PARIS_BONUS = 1.8
LOCAL_LAW_DEPARTMENTS = {"57", "67", "68"}  # associations there are "de droit local" (9260)

NEIGHBOURHOODS = (
    "Bellevue", "la Croix-Rouge", "les Tilleuls", "Saint-Jacques", "la Gare", "les Chênes",
    "le Moulin", "la Roseraie", "les Acacias", "Beaulieu", "le Plateau", "la Source",
    "la Fontaine", "les Peupliers", "Montplaisir", "la Madeleine", "les Coteaux", "le Val Fleuri",
    "les Trois-Cités", "la Petite-Hollande", "le Haut-du-Lièvre", "Saint-Michel", "les Aubiers",
    "la Duchère", "Bois-Blanc", "les Sablons", "la Grand-Combe", "les Provinces", "Kervénanec",
)  # fmt: skip
WORDS = (
    "Tremplin", "Passerelle", "Envol", "Horizon", "Boussole", "Ricochet", "Escale", "Racines",
    "Sillage", "Trait d’Union", "Cap", "Élan", "Archipel", "Colibri", "Étincelle", "Relais",
    "Agora", "Équinoxe", "Phare", "Fil Rouge", "Cordée", "Tandem", "Convergence", "Solstice",
    "Boréal", "Alizé", "Mosaïque", "Éclaircie", "Perspective", "Sémaphore", "Ancrage", "Volubilis",
)  # fmt: skip
SURNAMES = (
    "Marceau", "Delorme", "Vasseur", "Lemaire", "Carpentier", "Aubert", "Rolland", "Perrin",
    "Baudin", "Chevalier", "Lacombe", "Guérin", "Barbier", "Renaud", "Colin", "Fleury",
    "Hubert", "Marchand", "Leclerc", "Boyer", "Maillard", "Cordier", "Joly", "Gauthier",
)  # fmt: skip
STREETS = (
    "rue de la République", "rue Victor-Hugo", "avenue Jean-Jaurès", "rue Pasteur",
    "boulevard Gambetta", "rue du Général-Leclerc", "place de la Mairie", "rue des Écoles",
    "rue Jules-Ferry", "avenue de la Libération", "rue Émile-Zola", "rue de la Gare",
    "rue du Moulin", "chemin des Vignes", "rue Pierre-et-Marie-Curie", "impasse des Lilas",
    "rue Louise-Michel", "allée des Tilleuls", "quai de la Loire", "rue Jean-Moulin",
    "rue Olympe-de-Gouges", "avenue Simone-Veil", "rue de l’Industrie", "cours Lafayette",
)  # fmt: skip


@dataclass(frozen=True)
class Theme:
    """A field of activity: how organisations in it are named and described."""

    key: str
    association_names: tuple[str, ...]
    enterprise_names: tuple[str, ...]
    activities: tuple[str, ...]
    publics: tuple[str, ...]


# Name templates: {ville} commune, {de_ville} "de Lyon"/"d’Agen", {quartier}, {mot}, {nom},
# {departement}, {region}.
THEMES: tuple[Theme, ...] = (
    Theme(
        "alimentation",
        (
            "Association Les Jardins Partagés {de_ville}",
            "Épicerie solidaire {mot}",
            "Les Paniers Solidaires {de_ville}",
            "Cuisine Commune {quartier}",
            "Terre {mot} – maraîchage d’insertion",
        ),
        ("SCOP Les Cuisiniers {de_ville}", "Légumerie {mot}", "Cantine {mot} Solidaire"),
        (
            "gère une épicerie solidaire où les familles modestes achètent à 20 % du prix",
            "cultive des légumes biologiques en chantier d’insertion et les livre en circuit court",
            "transforme les invendus des marchés en repas servis aux personnes isolées",
            "anime des jardins partagés et des ateliers de cuisine au pied des immeubles",
        ),
        ("les familles aux revenus modestes", "les habitants du quartier", "les étudiants"),
    ),
    Theme(
        "insertion",
        (
            "{mot} Insertion",
            "Régie de quartier {quartier}",
            "Chantier d’insertion {mot}",
            "Association Intermédiaire {mot} {departement}",
            "Maison de l’emploi solidaire {de_ville}",
        ),
        ("SCOP {mot} Solidaire", "{mot} Emploi", "Entreprise d’insertion {mot}"),
        (
            "accompagne vers l’emploi des personnes qui en sont durablement éloignées",
            "propose des contrats en chantier d’insertion dans le second œuvre du bâtiment",
            "met à disposition des salariés en parcours d’insertion auprès des entreprises locales",
            "entretient les espaces communs du quartier avec les habitants qu’elle salarie",
        ),
        (
            "les demandeurs d’emploi de longue durée",
            "les jeunes sans qualification",
            "les bénéficiaires du RSA",
        ),
    ),
    Theme(
        "reemploi",
        (
            "Recyclerie {ville}",
            "Ressourcerie {mot}",
            "Atelier vélo {de_ville}",
            "Repair Café {ville}",
            "La Bricothèque {quartier}",
        ),
        ("SCOP {mot} Réemploi", "{mot} Recyclage", "Ateliers du Réemploi {de_ville}"),
        (
            "collecte, répare et revend à petit prix meubles, vêtements et électroménager",
            "anime des ateliers d’autoréparation de vélos ouverts à tous",
            "donne une seconde vie au matériel informatique des entreprises",
            "sensibilise les habitants à la réduction des déchets",
        ),
        ("les habitants", "les ménages modestes", "les écoles et entreprises du territoire"),
    ),
    Theme(
        "numerique",
        (
            "Association {mot} Numérique",
            "Les Connectés {de_ville}",
            "Point Numérique {quartier}",
            "Fabrique numérique {de_ville}",
        ),
        ("{mot}Lab", "SCIC {mot} Numérique", "{mot} Tech Solidaire"),
        (
            "accompagne les personnes éloignées du numérique dans leurs démarches en ligne",
            "forme des jeunes aux métiers du numérique",
            "reconditionne des ordinateurs et les met à disposition des familles",
            "anime un fablab ouvert aux habitants et aux associations",
        ),
        ("les seniors", "les personnes éloignées du numérique", "les jeunes de 16 à 25 ans"),
    ),
    Theme(
        "habitat",
        (
            "Habitat Solidaire {de_ville}",
            "Les Toits {mot}",
            "Association {mot} Logement",
            "Pension de famille {mot}",
        ),
        ("SCIC Habitat {mot}", "Coopérative d’habitants {mot}", "Foncière {mot}"),
        (
            "rénove des logements vacants pour les louer à loyer modéré",
            "accompagne des ménages mal logés vers un logement durable",
            "développe l’habitat partagé entre seniors et jeunes actifs",
            "lutte contre la précarité énergétique par des visites à domicile",
        ),
        ("les ménages mal logés", "les personnes sans domicile", "les seniors isolés"),
    ),
    Theme(
        "mobilite",
        (
            "Mobilité Solidaire {departement}",
            "Garage solidaire {de_ville}",
            "Auto-école sociale {mot}",
            "Roue Libre {ville}",
        ),
        ("SCIC {mot} Mobilités", "Covoit’{mot}", "SCOP Transports {mot}"),
        (
            "loue des véhicules à bas prix aux personnes qui reprennent un emploi",
            "propose une auto-école sociale aux demandeurs d’emploi",
            "organise du transport solidaire dans les communes rurales",
            "répare les véhicules des ménages modestes à prix coûtant",
        ),
        ("les demandeurs d’emploi", "les habitants des zones rurales", "les personnes âgées"),
    ),
    Theme(
        "education",
        (
            "Association {mot} Jeunesse",
            "Les Petits Débrouillards {de_ville}",
            "Soutien scolaire {quartier}",
            "Association Réussir {de_ville}",
            "École de la deuxième chance {departement}",
        ),
        ("{mot} Éducation", "SCOP {mot} Formation", "Académie {mot}"),
        (
            "propose du soutien scolaire gratuit et du mentorat à des collégiens",
            "lutte contre le décrochage scolaire par des projets artistiques",
            "accompagne des jeunes sans diplôme vers une formation qualifiante",
            "anime des ateliers de culture scientifique dans les quartiers",
        ),
        ("les collégiens", "les jeunes décrocheurs", "les lycéens des quartiers prioritaires"),
    ),
    Theme(
        "sante",
        (
            "Maison de santé {mot}",
            "Association {mot} Santé",
            "Les Aidants {de_ville}",
            "Sport Santé {departement}",
        ),
        ("{mot} Santé Coop", "SCIC {mot} Santé", "{mot} Prévention"),
        (
            "organise des consultations de prévention dans les déserts médicaux",
            "accompagne les aidants familiaux de personnes malades",
            "propose des activités physiques adaptées sur prescription médicale",
            "mène des actions de prévention auprès des jeunes",
        ),
        ("les aidants familiaux", "les patients atteints de maladies chroniques", "les jeunes"),
    ),
    Theme(
        "grand_age",
        (
            "Les Amis des Aînés {de_ville}",
            "Association {mot} Générations",
            "Visites Solidaires {quartier}",
            "Maison des aînés {mot}",
        ),
        ("{mot} Services à la personne", "SCIC {mot} Seniors", "Aide à domicile {mot}"),
        (
            "rompt l’isolement des personnes âgées par des visites de bénévoles",
            "développe la cohabitation intergénérationnelle",
            "propose de l’aide à domicile aux personnes âgées dépendantes",
            "organise des activités partagées entre écoliers et résidents d’Ehpad",
        ),
        ("les personnes âgées isolées", "les résidents d’Ehpad", "les familles"),
    ),
    Theme(
        "handicap",
        (
            "Association {mot} Handicap",
            "Les Ateliers {mot}",
            "Sport Adapté {departement}",
            "Accès Pour Tous {de_ville}",
        ),
        ("Entreprise adaptée {mot}", "{mot} Services adaptés", "{mot} Inclusion"),
        (
            "emploie des travailleurs handicapés dans la logistique et l’entretien d’espaces verts",
            "rend accessibles les loisirs et le sport aux personnes en situation de handicap",
            "accompagne les familles d’enfants autistes",
            "conseille les entreprises sur l’accessibilité de leurs locaux",
        ),
        ("les personnes en situation de handicap", "les familles", "les employeurs"),
    ),
    Theme(
        "culture",
        (
            "Compagnie {mot}",
            "Café associatif {mot}",
            "Tiers-lieu {mot}",
            "Association Culture Pour Tous {de_ville}",
            "Festival {mot} {de_ville}",
        ),
        ("SCIC Tiers-lieu {mot}", "SCOP {mot} Production", "Coopérative culturelle {mot}"),
        (
            "programme des spectacles dans les villages et les quartiers éloignés des salles",
            "anime un tiers-lieu culturel et un café associatif",
            "propose des ateliers de pratique artistique à des publics empêchés",
            "organise un festival gratuit qui mobilise des centaines de bénévoles",
        ),
        ("les habitants", "les jeunes", "les personnes détenues"),
    ),
    Theme(
        "energie",
        (
            "Énergie Citoyenne {departement}",
            "Association {mot} Climat",
            "Les Ambassadeurs de la Transition {de_ville}",
        ),
        ("SCIC {mot} Énergie citoyenne", "SCOP {mot} Rénovation", "Centrale Villageoise {mot}"),
        (
            "finance et exploite des centrales solaires citoyennes",
            "accompagne les ménages dans la rénovation énergétique de leur logement",
            "sensibilise écoles et entreprises au changement climatique",
            "développe un réseau de chaleur au bois géré par les habitants",
        ),
        ("les habitants", "les collectivités locales", "les ménages en précarité énergétique"),
    ),
    Theme(
        "droits",
        (
            "Point d’accès aux droits {quartier}",
            "Association {mot} Solidarité",
            "Maison des solidarités {de_ville}",
            "Accueil de jour {mot}",
            "Les Femmes Relais {de_ville}",
        ),
        ("{mot} Conseil Solidaire", "SCOP {mot} Médiation", "Coopérative {mot}"),
        (
            "aide les personnes à faire valoir leurs droits sociaux",
            "accueille et oriente les femmes victimes de violences",
            "propose un accueil de jour, des douches et une domiciliation aux personnes sans abri",
            "forme des médiatrices sociales et culturelles issues des quartiers",
        ),
        ("les personnes en situation de précarité", "les femmes", "les personnes exilées"),
    ),
)

OPENINGS = (
    "{nom} est {forme} fondée en {annee} à {ville}.",
    "Créée en {annee}, {nom} est {forme} implantée à {ville}.",
    "Basée à {ville} depuis {annee}, {nom} est {forme}.",
)
APPROACHES = (
    "Elle s’appuie sur une équipe de salariés et un réseau de bénévoles engagés.",
    "Son action repose sur la coopération avec les collectivités et les acteurs sociaux du territoire.",
    "Elle mesure chaque année son impact social avec ses partenaires.",
    "Elle travaille en réseau avec les structures de l’économie sociale et solidaire de la région.",
    "Ses usagers participent à sa gouvernance.",
    "Elle cherche aujourd’hui à essaimer son modèle dans d’autres territoires.",
)
REJECTION_REASONS = (
    "Le SIRET déclaré ne correspond pas à la structure.",
    "Doublon d’une structure déjà publiée.",
    "La présentation ne décrit pas d’activité d’utilité sociale.",
)
SUPPORT_NAMES = (
    "Incubateur {mot} {de_ville}",
    "DLA {departement}",
    "Pôle ESS {de_ville}",
    "Accélérateur d’innovation sociale {region}",
    "Couveuse d’entreprises {mot}",
    "Pôle territorial de coopération économique {mot}",
    "La Ruche {de_ville}",
)
FUNDER_NAMES = (
    "Fondation {nom}",
    "Fonds solidaire {region}",
    "Club d’investisseurs solidaires {de_ville}",
    "Fondation pour l’innovation sociale {region}",
)
PUBLIC_ACTIVITIES = (
    "soutient l’innovation sociale sur son territoire par des appels à projets et des subventions",
    "accompagne les structures de l’économie sociale et solidaire de son territoire",
    "achète de façon responsable en réservant des marchés aux structures d’insertion",
)
SUPPORT_ACTIVITIES = (
    "accompagne les porteurs de projets de l’économie sociale et solidaire, de l’idée au changement d’échelle",
    "propose un programme d’incubation de douze mois aux entrepreneurs sociaux",
    "aide les associations employeuses à consolider leur modèle économique",
    "met en relation entrepreneurs sociaux, financeurs et collectivités",
)
FUNDER_ACTIVITIES = (
    "finance des projets d’innovation sociale en amorçage et en changement d’échelle",
    "accorde des prêts d’honneur et des garanties aux entreprises solidaires",
    "soutient par des dons pluriannuels des associations d’intérêt général",
)
COMPANY_ACTIVITIES = (
    "s’engage auprès des acteurs de l’économie sociale et solidaire par du mécénat de compétences",
    "réserve une part de ses achats aux entreprises d’insertion et aux entreprises adaptées",
    "accompagne la transformation numérique des associations",
)
COMPANY_NAMES = ("{nom} Conseil", "Groupe {nom}", "{mot} Technologies", "{nom} & Associés")

# Legal form mix of the demo: (code, ESS flag, weight). Associations dominate, as in the ESS.
LEGAL_FORMS: tuple[tuple[str, str, int], ...] = (
    ("9220", "O", 500),
    ("9220", "", 120),
    ("9221", "O", 20),
    ("9222", "O", 10),
    ("9230", "O", 12),
    ("5458", "O", 45),  # SCOP SARL
    ("5458", "", 10),
    ("5558", "O", 6),  # SCOP SA
    ("5460", "O", 12),  # SCIC SARL ("autre SARL coopérative")
    ("5560", "O", 4),  # SCIC SA
    ("5710", "O", 70),  # SAS of the ESS (ESUS, SCIC SAS): recognised by the flag only
    ("6317", "O", 8),  # agricultural cooperative
    ("9300", "O", 25),  # foundation
    ("8210", "O", 18),  # mutual
    ("5710", "N", 25),  # committed companies, outside the ESS
    ("5499", "N", 10),
)
SIZE_BANDS_SMALL = (
    (SizeBand.NN, 18), (SizeBand.ZERO, 26), (SizeBand.T01, 15), (SizeBand.T02, 12),
    (SizeBand.T03, 10), (SizeBand.T11, 9), (SizeBand.T12, 6), (SizeBand.T21, 2),
    (SizeBand.T22, 1), (SizeBand.T31, 1),
)  # fmt: skip
SIZE_BANDS_LARGE = (
    (SizeBand.T11, 10), (SizeBand.T12, 20), (SizeBand.T21, 20), (SizeBand.T22, 18),
    (SizeBand.T31, 8), (SizeBand.T32, 10), (SizeBand.T41, 8), (SizeBand.T42, 4), (SizeBand.T51, 2),
)  # fmt: skip
# (status, weight) of the organisations registered by their members; registry imports (about
# 55 %) are published at once. Overall: about 85 % published, 9 % pending, a few rejected.
STATUSES = (
    (ModerationStatus.PUBLISHED, 70),
    (ModerationStatus.PENDING, 20),
    (ModerationStatus.REJECTED, 8),
    (ModerationStatus.UNPUBLISHED, 2),
)
SCOP_CODES = ("5458", "5558")
SCIC_CODES = ("5460", "5560")
LARGE_FORMS = ("9230", "9300", "8210", "7210", "7220", "7230", "7348", "7389")
EARLIEST = date(1950, 1, 1)
CHARTER_SHARE_OF_PUBLISHED = (
    0.85  # of published registered ones: about 27 % of all (imports are unclaimed)
)
PUBLICATION_START = datetime(2018, 2, 1, tzinfo=UTC)  # launch of the platform
PUBLICATION_SPAN = int((datetime(2025, 12, 31, tzinfo=UTC) - PUBLICATION_START).total_seconds())


_DOUBLED = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)  # digit sum of 2 × d


def luhn_check_digit(body: str) -> str:
    """The Luhn check digit to append to ``body`` (as stdnum.luhn, several times faster)."""
    total = 0
    for position, char in enumerate(reversed(body)):
        digit = ord(char) - 48
        total += _DOUBLED[digit] if position % 2 == 0 else digit
    return str(-total % 10)


def demo_siren(index: int) -> str:
    """The SIREN of the index-th demo organisation: 8 digits from a bijection of the index
    (first digit 3 to 8, as most real ones), then the Luhn check digit."""
    body = str(30_000_000 + (index * 7_919_113 + 1_234_567) % 60_000_000)
    return body + luhn_check_digit(body)


def demo_siret(siren: str, establishment: int) -> str:
    """SIREN + NIC: ``000`` + the establishment number + the Luhn check digit of all 14 digits."""
    body = f"{siren}000{establishment}"
    return body + luhn_check_digit(body)


def demo_rna(department_code: str, index: int) -> str:
    """W + department code + a serial unique per index (9 characters after the W)."""
    if len(department_code) == 3:  # overseas: W9 + 7 characters, e.g. W974…
        return f"W{department_code}{index:06d}"
    return f"W{department_code}{index:07d}"


@dataclass(frozen=True)
class Place:
    department_code: str
    department_name: str
    department_id: int
    region_id: int
    region_name: str
    commune_code: str
    commune_name: str
    postal_codes: tuple[str, ...]


@dataclass(frozen=True)
class DemoOrganisation:
    """What the project generator needs to know about a demo organisation."""

    index: int
    siren: str
    name: str
    kinds: tuple[str, ...]
    status: str
    theme: int
    place: Place
    creation_year: int
    published_at: datetime | None


@dataclass
class OrganisationsSeedResult:
    requested: int
    created: int
    existing: int
    organisations: list[DemoOrganisation]
    pk_by_siren: dict[str, int]


def load_places() -> list[Place]:
    """The 101 prefectures with their department and region ids (two queries)."""
    departments = {d.code: d for d in Department.objects.select_related("region").order_by("code")}
    missing = [row.code for row in reference.DEPARTMENTS if row.code not in departments]
    if missing:
        raise LookupError(
            f"Départements absents de la base ({', '.join(missing[:5])}…) : "
            "lancez d’abord `manage.py load_reference_data`."
        )
    places = []
    for commune in reference.PREFECTURES:
        department = departments[commune.department]
        places.append(
            Place(
                department_code=department.code,
                department_name=department.nom,
                department_id=department.pk,
                region_id=department.region_id,
                region_name=department.region.nom,
                commune_code=commune.code,
                commune_name=commune.nom,
                postal_codes=POSTAL_CODES[commune.department],
            )
        )
    return places


def _de(name: str) -> str:
    """French elision: "de Lyon", "d’Agen"; "Le Mans" -> "du Mans", "Les …" -> "des …"."""
    if name.startswith("Le "):
        return f"du {name[3:]}"
    if name.startswith(("Les ", "les ")):
        return f"des {name[4:]}"
    if name[:1] in "AEIOUYÉÈÎ":
        return f"d’{name}"
    return f"de {name}"


def _slug(value: str) -> str:
    ascii_only = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_only.lower()).strip("-")[:50]


def _acronym(name: str) -> str:
    capitals = [word[0] for word in re.split(r"[\s’'-]+", name) if word[:1].isupper()]
    return "".join(capitals).upper() if len(capitals) >= 3 else ""


T = TypeVar("T")


class Weighted(Generic[T]):
    """A precomputed weighted draw (``random.choices`` with cumulative weights)."""

    def __init__(self, items: Sequence[tuple[T, float]]):
        self.values = [value for value, _ in items]
        self.cum_weights = list(accumulate(weight for _, weight in items))

    def draw(self, rng: random.Random) -> T:
        return rng.choices(self.values, cum_weights=self.cum_weights)[0]


def _public_bodies(places: Sequence[Place]) -> list[tuple[str, str, str, Place]]:
    """(name, legal form, kind, place) of the local governments and administrations: each
    exists once, so they are drawn from this pool instead of built from a pattern."""
    bodies: list[tuple[str, str, str, Place]] = []
    regions_seen: set[int] = set()
    for place in places:
        town = place.commune_name
        local = OrganisationKind.LOCAL_GOVERNMENT.value
        bodies.append((f"Ville {_de(town)}", "7210", local, place))
        bodies.append((f"Département {_de(place.department_name)}", "7220", local, place))
        bodies.append((f"Communauté d’agglomération {_de(town)}", "7348", local, place))
        if place.region_id not in regions_seen:
            regions_seen.add(place.region_id)
            region = place.region_name
            bodies.append((f"Région {region}", "7230", local, place))
            bodies.append(
                (
                    f"Direction régionale de l’économie, de l’emploi, du travail et des solidarités – {region}",
                    "7389",
                    OrganisationKind.ADMINISTRATION.value,
                    place,
                )
            )
    return bodies


class OrganisationGenerator:
    """Builds the demo organisations one after the other from a seeded random generator.

    The i-th organisation depends only on the seed and i (never on how many are asked for),
    so asking for more later adds rows without changing the first ones.
    """

    def __init__(self, *, seed: int, places: Sequence[Place]):
        self.rng = random.Random(f"organisations:{seed}")  # noqa: S311  (demo data)
        weights = [
            POPULATION_THOUSANDS[p.department_code]
            * (PARIS_BONUS if p.department_code == "75" else 1)
            for p in places
        ]
        self.places = Weighted(list(zip(places, weights, strict=True)))
        self.legal_forms = Weighted([((code, flag), w) for code, flag, w in LEGAL_FORMS])
        self.statuses = Weighted(STATUSES)
        self.small_sizes = Weighted(SIZE_BANDS_SMALL)
        self.large_sizes = Weighted(SIZE_BANDS_LARGE)
        self.public_bodies = _public_bodies(places)
        self.rng.shuffle(self.public_bodies)
        self.now = datetime.now(tz=UTC)
        self._sources = {
            Source.SIRENE: dict.fromkeys(REGISTRY_FIELDS, Source.SIRENE.value),
            Source.RNA: dict.fromkeys(REGISTRY_FIELDS, Source.RNA.value),
        }

    def _name(self, template: str, place: Place) -> str:
        rng = self.rng
        return template.format(
            ville=place.commune_name,
            de_ville=_de(place.commune_name),
            quartier=rng.choice(NEIGHBOURHOODS),
            mot=rng.choice(WORDS),
            nom=rng.choice(SURNAMES),
            departement=place.department_name,
            region=place.region_name,
        )

    def _enterprise_template(self, theme: Theme, code: str) -> str:
        if code in SCOP_CODES:
            banned = "SCIC"
        elif code in SCIC_CODES:
            banned = "SCOP"
        else:
            banned = "SC"  # neither "SCOP" nor "SCIC" for an ordinary company form
        candidates = [t for t in theme.enterprise_names if not t.startswith(banned)]
        return self.rng.choice(candidates or theme.enterprise_names)

    def build(self, index: int) -> tuple[Organisation, DemoOrganisation]:
        """The index-th demo organisation (unsaved) and its summary for the project step."""
        rng = self.rng
        place = self.places.draw(rng)
        theme_index = rng.randrange(len(THEMES))
        theme = THEMES[theme_index]
        code, flag = self.legal_forms.draw(rng)
        roll = rng.random()
        kinds: tuple[str, ...]
        activity = f"{rng.choice(theme.activities)}, au bénéfice {_de(rng.choice(theme.publics))}"
        if roll < 0.012 and self.public_bodies:
            name, code, kind, place = self.public_bodies.pop()
            flag, kinds = "", (kind,)
            if rng.random() < 0.3:
                kinds = (kind, OrganisationKind.FUNDER.value)
            activity = rng.choice(PUBLIC_ACTIVITIES)
        elif roll < 0.09 and (code.startswith("92") or code in SCIC_CODES):
            name = self._name(rng.choice(SUPPORT_NAMES), place)
            kinds = (OrganisationKind.SUPPORT_STRUCTURE.value,)
            activity = rng.choice(SUPPORT_ACTIVITIES)
        elif roll < 0.12 and code in ("9300", "9220"):
            name = self._name(rng.choice(FUNDER_NAMES), place)
            code = "9300" if name.startswith("Fondation") else code
            kinds = (OrganisationKind.FUNDER.value,)
            if rng.random() < 0.4:
                kinds += (OrganisationKind.SUPPORT_STRUCTURE.value,)
            activity = rng.choice(FUNDER_ACTIVITIES)
        elif flag == "N":
            name = self._name(rng.choice(COMPANY_NAMES), place)
            kinds = (OrganisationKind.COMMITTED_COMPANY.value,)
            activity = rng.choice(COMPANY_ACTIVITIES)
        else:
            if code.startswith("92"):
                template = rng.choice(theme.association_names)
            elif code == "9300":
                template = rng.choice(("Fondation {nom}", "Fondation {mot}"))
            elif code == "8210":
                template = rng.choice(("Mutuelle {mot}", "Mutuelle solidaire {region}"))
            else:
                template = self._enterprise_template(theme, code)
            name = self._name(template, place)
            kinds = (OrganisationKind.PROJECT_HOLDER.value,)
            if rng.random() < 0.05:
                kinds += (OrganisationKind.SUPPORT_STRUCTURE.value,)
        if code == "9220" and place.department_code in LOCAL_LAW_DEPARTMENTS:
            code = "9260"
        is_association = code.startswith("92")

        year = 1950 + int(75 * rng.random() ** 0.55)  # recent creations outnumber old ones
        creation = date(year, 1, 1) + timedelta(days=rng.randrange(365))
        rna_creation = None
        if is_association:
            # The RNA gives the real creation; SIRENE's date is often later (registration).
            rna_creation = max(creation - timedelta(days=rng.randrange(3 * 365)), EARLIEST)
        sizes = self.large_sizes if code in LARGE_FORMS else self.small_sizes
        size = sizes.draw(rng)

        source = Source.REGISTERED
        if rng.random() < 0.55 and not code.startswith("7"):
            source = Source.RNA if is_association and rng.random() < 0.6 else Source.SIRENE
        status = self.statuses.draw(rng)
        if source != Source.REGISTERED:
            # Registry imports are published at once (a few later withdrawn: ceased units).
            status = (
                ModerationStatus.UNPUBLISHED if rng.random() < 0.02 else ModerationStatus.PUBLISHED
            )
        published_at: datetime | None = None
        charter_at: datetime | None = None
        reason = ""
        if status in (ModerationStatus.PUBLISHED, ModerationStatus.UNPUBLISHED):
            published_at = PUBLICATION_START + timedelta(seconds=rng.randrange(PUBLICATION_SPAN))
            published_at = min(published_at, self.now)
            if (
                status == ModerationStatus.PUBLISHED
                and source == Source.REGISTERED  # imports are unclaimed: nobody signed
                and rng.random() < CHARTER_SHARE_OF_PUBLISHED
            ):
                charter_at = min(published_at + timedelta(days=rng.randrange(200)), self.now)
        if status == ModerationStatus.REJECTED:
            reason = rng.choice(REJECTION_REASONS)
        elif status == ModerationStatus.UNPUBLISHED:
            reason = "Structure dissoute, dépubliée à la demande de ses membres."

        sentences = [
            rng.choice(OPENINGS).format(
                nom=name, forme=_form_phrase(code, flag), annee=year, ville=place.commune_name
            ),
            f"Elle {activity}.",
            *rng.sample(APPROACHES, rng.randint(1, 2)),
        ]
        siren = demo_siren(index)
        organisation = Organisation(
            name=name,
            acronym=_acronym(name) if is_association and rng.random() < 0.3 else "",
            kinds=list(kinds),
            siren=siren,
            siret=demo_siret(siren, rng.choice((1, 1, 1, 2, 3))),
            rna=demo_rna(place.department_code, index) if is_association else None,
            legal_form_code=code,
            legal_form_label=legal_form_label(code),
            ess_flag=flag,
            ess_family=ess_family(ess_flag=flag, legal_form_code=code),
            creation_date=creation,
            rna_creation_date=rna_creation,
            size_band=size,
            address_line=f"{rng.randint(1, 180)} {rng.choice(STREETS)}",
            postal_code=rng.choice(place.postal_codes),
            commune_code=place.commune_code,
            commune_name=place.commune_name,
            department_id=place.department_id,
            region_id=place.region_id,
            website=f"https://www.{_slug(name)}.example" if rng.random() < 0.55 else "",
            description=" ".join(sentences),
            # Imports carry no private contact; the demo marker stays in the SIREN sequence.
            contact_email=f"contact+{siren}@{DEMO_DOMAIN}" if source == Source.REGISTERED else "",
            ceased=status == ModerationStatus.UNPUBLISHED,
            source=source,
            field_sources=self._sources.get(source, {}),
            status=status,
            moderation_reason=reason,
            published_at=published_at,
            charter_accepted_at=charter_at,
        )
        if (
            status == ModerationStatus.PUBLISHED
            and source == Source.REGISTERED
            and rng.random() < 0.03
        ):
            # A renaming waiting for moderation: staff see both names side by side.
            organisation.pending_changes = {"name": f"{name} – nouvelle appellation"}
            organisation.pending_changes_at = self.now
        summary = DemoOrganisation(
            index=index,
            siren=siren,
            name=name,
            kinds=kinds,
            status=status,
            theme=theme_index,
            place=place,
            creation_year=year,
            published_at=published_at,
        )
        return organisation, summary


def _form_phrase(code: str, flag: str) -> str:
    """How the description names the legal form ("une association loi 1901"…)."""
    if code == "9260":
        return "une association de droit local"
    if code.startswith("92"):
        return "une association loi 1901"
    phrases = {
        "9300": "une fondation",
        "8210": "une mutuelle",
        "6317": "une coopérative agricole",
        "7389": "une administration de l’État",
    }
    if code in phrases:
        return phrases[code]
    if code.startswith("7"):
        return "une collectivité territoriale"
    if code in SCOP_CODES:
        return "une société coopérative et participative (SCOP)"
    if code in SCIC_CODES:
        return "une société coopérative d’intérêt collectif (SCIC)"
    return (
        "une entreprise de l’économie sociale et solidaire"
        if flag == "O"
        else "une entreprise engagée"
    )


def _chunks(values: Sequence[str], size: int = 900) -> Iterator[Sequence[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def existing_pks_by_siren(sirens: Sequence[str]) -> dict[str, int]:
    """{siren: pk} of those SIRENs already in the database (one query per 900 SIRENs)."""
    found: dict[str, int] = {}
    for chunk in _chunks(sirens):
        rows = Organisation.objects.filter(siren__in=chunk).values_list("siren", "pk")
        found.update((siren, pk) for siren, pk in rows if siren)
    return found


def seed_demo_organisations(*, seed: int, count: int) -> OrganisationsSeedResult:
    """Create the first ``count`` demo organisations that are not in the database yet."""
    if not 0 <= count <= MAX_ORGANISATIONS:
        raise ValueError(f"count must be between 0 and {MAX_ORGANISATIONS}")
    generator = OrganisationGenerator(seed=seed, places=load_places())
    result = OrganisationsSeedResult(
        requested=count, created=0, existing=0, organisations=[], pk_by_siren={}
    )
    for start in range(0, count, BATCH_SIZE):
        built = [generator.build(index) for index in range(start, min(count, start + BATCH_SIZE))]
        existing = existing_pks_by_siren([summary.siren for _, summary in built])
        to_create = [org for org, summary in built if summary.siren not in existing]
        # A member may have registered a real association whose RNA number a demo row reuses:
        # the demo row then goes without one rather than failing the run.
        rnas = [org.rna for org in to_create if org.rna]
        taken: set[str | None] = set()
        for chunk in _chunks(rnas):
            taken.update(Organisation.objects.filter(rna__in=chunk).values_list("rna", flat=True))
        for org in to_create:
            if org.rna in taken:
                org.rna = None
        with transaction.atomic():
            created = Organisation.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
        result.created += len(created)
        result.existing += len(existing)
        result.pk_by_siren.update(existing)
        if created and created[0].pk is None:  # a backend that returns no primary keys
            result.pk_by_siren.update(existing_pks_by_siren([o.siren for o in created if o.siren]))
        else:
            result.pk_by_siren.update({o.siren: o.pk for o in created if o.siren})
        result.organisations.extend(summary for _, summary in built)
    return result


def seed_demo_memberships(
    *, result: OrganisationsSeedResult, users_by_kind: Mapping[str, Sequence[User]]
) -> int:
    """Make each demo user without an organisation the admin of a demo organisation of the
    kind its role works for (project holders get published community members), so that
    signing in as them shows something. Returns the number of memberships created."""
    created = 0
    taken = set(Membership.objects.values_list("organisation_id", flat=True).distinct())
    for kind, users in users_by_kind.items():
        candidates = (
            pk
            for org in result.organisations
            if kind in org.kinds and org.status == ModerationStatus.PUBLISHED
            for pk in (result.pk_by_siren[org.siren],)
            if pk not in taken
        )
        for user in users:
            if Membership.objects.filter(user=user).exists():
                continue
            organisation_id = next(candidates, None)
            if organisation_id is None:
                break
            taken.add(organisation_id)
            Membership.objects.create(
                organisation_id=organisation_id, user=user, role=MemberRole.ADMIN
            )
            created += 1
    return created
