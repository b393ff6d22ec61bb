"""Demo projects carried by the demo organisations: deterministic for a seed, bulk-written.

Identity and idempotence: a demo project is known by (its organisation, its title). Titles are
made unique within an organisation during the draw (before looking at the database), so the
same arguments draw the same (organisation, title) pairs again and a re-run skips those
already present; nothing is updated or deleted. See organisations/demo.py for why.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import transaction

from frenchimpact.organisations.demo import (
    NEIGHBOURHOODS,
    THEMES,
    WORDS,
    DemoOrganisation,
    OrganisationsSeedResult,
    Place,
    Weighted,
    _de,
)
from frenchimpact.organisations.enums import ModerationStatus, OrganisationKind

from .enums import BudgetBand, Challenge, Need, Stage
from .models import Project

BATCH_SIZE = 5_000


@dataclass(frozen=True)
class ProjectTheme:
    challenges: tuple[Challenge, ...]  # the first one is the project's main challenge
    sdgs: tuple[int, ...]  # the first one is the main goal
    ideas: tuple[tuple[str, str, str], ...]  # (title template, what it does, who it reaches)


# Keyed like organisations.demo.THEMES: a project follows its organisation's field.
PROJECT_THEMES: dict[str, ProjectTheme] = {
    "alimentation": ProjectTheme(
        (Challenge.FOOD, Challenge.RIGHTS_ACCESS, Challenge.ECOLOGICAL_TRANSITION),
        (2, 12, 1, 3),
        (
            (
                "Épicerie solidaire itinérante {du_departement}",
                "ouvrir une épicerie solidaire mobile qui dessert les villages sans commerce",
                "familles",
            ),
            (
                "Jardins nourriciers {de_ville}",
                "cultiver avec les habitants des jardins dont la récolte est partagée",
                "jardiniers",
            ),
            (
                "Cantine solidaire du quartier {quartier}",
                "servir des repas à prix libre cuisinés avec les invendus des marchés",
                "convives",
            ),
            (
                "Légumerie d’insertion pour la restauration scolaire",
                "approvisionner les cantines en légumes locaux préparés par des salariés en insertion",
                "salariés en insertion",
            ),
            (
                "Paniers {mot} : des légumes bio pour tous",
                "distribuer chaque semaine des paniers de légumes bio à prix solidaire",
                "foyers",
            ),
        ),
    ),
    "insertion": ProjectTheme(
        (Challenge.INCLUSIVE_ECONOMY, Challenge.RIGHTS_ACCESS, Challenge.TERRITORIAL_EQUITY),
        (8, 1, 10, 4),
        (
            (
                "Territoire zéro chômeur {de_ville}",
                "proposer des emplois durables aux chômeurs de longue durée volontaires",
                "salariés",
            ),
            (
                "Premières heures en chantier {mot}",
                "offrir à des personnes sans abri quelques heures de travail par semaine, puis davantage",
                "personnes accompagnées",
            ),
            (
                "Chantier d’insertion du bâtiment durable",
                "former des salariés en insertion aux métiers de la rénovation énergétique",
                "salariés en insertion",
            ),
            (
                "Parcours {mot} vers l’emploi",
                "accompagner pas à pas des demandeurs d’emploi jusqu’à un contrat durable",
                "demandeurs d’emploi",
            ),
            (
                "Conciergerie solidaire du quartier {quartier}",
                "créer une conciergerie de quartier qui emploie des habitants",
                "habitants salariés",
            ),
        ),
    ),
    "reemploi": ProjectTheme(
        (Challenge.ECOLOGICAL_TRANSITION, Challenge.INCLUSIVE_ECONOMY),
        (12, 11, 13, 8),
        (
            (
                "Ressourcerie mobile {du_departement}",
                "collecter et revaloriser les objets dont les habitants se séparent",
                "foyers",
            ),
            (
                "Atelier de réparation participatif {de_ville}",
                "apprendre aux habitants à réparer eux-mêmes leurs appareils",
                "participants",
            ),
            (
                "Filière de réemploi du mobilier de bureau",
                "donner une seconde vie au mobilier des entreprises et des administrations",
                "salariés en insertion",
            ),
            (
                "Repair cafés itinérants dans les villages",
                "faire venir des bénévoles réparateurs dans les communes rurales",
                "habitants",
            ),
            (
                "Matériauthèque du bâtiment {mot}",
                "récupérer les matériaux de chantier pour les revendre à bas prix",
                "artisans et particuliers",
            ),
        ),
    ),
    "numerique": ProjectTheme(
        (Challenge.DIGITAL_INCLUSION, Challenge.RIGHTS_ACCESS, Challenge.EDUCATIONAL_SUCCESS),
        (4, 10, 9),
        (
            (
                "Bus numérique {du_departement}",
                "aller au-devant des habitants éloignés du numérique avec un bus équipé",
                "personnes accompagnées",
            ),
            (
                "Conseillers numériques {de_ville}",
                "accompagner les démarches administratives en ligne",
                "usagers",
            ),
            (
                "Ordinateurs reconditionnés pour les familles",
                "équiper les familles en ordinateurs reconditionnés et les former",
                "familles",
            ),
            (
                "École du code {mot}",
                "former aux métiers du numérique des jeunes sans diplôme",
                "apprenants",
            ),
            (
                "Fablab solidaire du quartier {quartier}",
                "ouvrir aux habitants un atelier de fabrication numérique",
                "habitants",
            ),
        ),
    ),
    "habitat": ProjectTheme(
        (Challenge.HOUSING, Challenge.INTERGENERATIONAL, Challenge.ECOLOGICAL_TRANSITION),
        (11, 1, 7),
        (
            (
                "Habitat partagé intergénérationnel {de_ville}",
                "loger ensemble des seniors et des jeunes actifs",
                "habitants",
            ),
            (
                "Logements passerelles {mot}",
                "rénover des logements vacants et les louer à loyer très social",
                "ménages logés",
            ),
            (
                "Un chez-soi d’abord {du_departement}",
                "loger directement les personnes sans abri et les accompagner",
                "personnes logées",
            ),
            (
                "Rénovation solidaire des passoires thermiques",
                "repérer les ménages en précarité énergétique et financer leurs travaux",
                "ménages",
            ),
        ),
    ),
    "mobilite": ProjectTheme(
        (Challenge.MOBILITY, Challenge.TERRITORIAL_EQUITY, Challenge.INCLUSIVE_ECONOMY),
        (11, 8, 13),
        (
            (
                "Plateforme de mobilité solidaire {du_departement}",
                "louer des véhicules à bas prix aux personnes qui reprennent un emploi",
                "bénéficiaires",
            ),
            (
                "Garage solidaire {de_ville}",
                "réparer à prix coûtant les voitures des ménages modestes",
                "ménages",
            ),
            (
                "Transport à la demande en zone rurale",
                "organiser le transport des habitants des villages vers les services",
                "usagers",
            ),
            (
                "Vélos {mot} pour l’emploi",
                "prêter des vélos électriques aux salariés sans permis",
                "salariés",
            ),
        ),
    ),
    "education": ProjectTheme(
        (Challenge.EDUCATIONAL_SUCCESS, Challenge.EQUALITY, Challenge.CULTURE),
        (4, 10, 5),
        (
            (
                "Mentorat {mot} pour les collégiens",
                "accompagner chaque collégien par un mentor bénévole pendant un an",
                "collégiens",
            ),
            (
                "Cordées de la réussite {de_ville}",
                "ouvrir aux lycéens des quartiers les portes de l’enseignement supérieur",
                "lycéens",
            ),
            (
                "Classe dehors dans les écoles rurales",
                "faire classe en plein air une demi-journée par semaine",
                "élèves",
            ),
            (
                "Raccrochage scolaire par le théâtre",
                "faire revenir vers une formation les jeunes sortis du système scolaire",
                "jeunes",
            ),
            (
                "Devoirs faits au quartier {quartier}",
                "proposer l’aide aux devoirs gratuite au pied des immeubles",
                "élèves",
            ),
        ),
    ),
    "sante": ProjectTheme(
        (Challenge.HEALTH, Challenge.TERRITORIAL_EQUITY),
        (3, 10, 5),
        (
            (
                "Médecins solidaires {du_departement}",
                "faire venir des médecins bénévoles dans un désert médical",
                "patients",
            ),
            (
                "Sport sur ordonnance {de_ville}",
                "proposer une activité physique adaptée aux malades chroniques",
                "patients",
            ),
            (
                "Répit pour les aidants {mot}",
                "offrir des temps de répit aux aidants familiaux",
                "aidants",
            ),
            (
                "Ambassadeurs santé des quartiers",
                "mener des actions de prévention avec des jeunes ambassadeurs santé",
                "jeunes",
            ),
        ),
    ),
    "grand_age": ProjectTheme(
        (Challenge.INTERGENERATIONAL, Challenge.HEALTH),
        (3, 10, 11),
        (
            (
                "Voisins solidaires des aînés {de_ville}",
                "rompre l’isolement des aînés par des visites régulières de bénévoles",
                "personnes âgées",
            ),
            (
                "Colocations seniors {mot}",
                "créer des colocations accompagnées pour personnes âgées",
                "colocataires",
            ),
            (
                "Écoles et Ehpad : ensemble le mercredi",
                "faire se rencontrer chaque semaine écoliers et résidents d’Ehpad",
                "écoliers et résidents",
            ),
            (
                "Téléphone {mot} contre l’isolement",
                "appeler chaque jour les personnes âgées isolées",
                "personnes âgées",
            ),
        ),
    ),
    "handicap": ProjectTheme(
        (Challenge.DISABILITY, Challenge.INCLUSIVE_ECONOMY, Challenge.CULTURE),
        (10, 8, 3),
        (
            (
                "Emploi accompagné {du_departement}",
                "accompagner vers l’emploi ordinaire des personnes en situation de handicap",
                "personnes accompagnées",
            ),
            (
                "Café {mot} : des serveurs extraordinaires",
                "ouvrir un café-restaurant employant des personnes avec une trisomie 21",
                "salariés",
            ),
            (
                "Sport adapté pour tous {de_ville}",
                "rendre accessibles les clubs sportifs du territoire",
                "sportifs",
            ),
            (
                "Habitat inclusif {mot}",
                "créer des logements partagés pour adultes autistes",
                "habitants",
            ),
        ),
    ),
    "culture": ProjectTheme(
        (Challenge.CULTURE, Challenge.TERRITORIAL_EQUITY, Challenge.EDUCATIONAL_SUCCESS),
        (4, 11, 10),
        (
            (
                "Tiers-lieu culturel {mot}",
                "faire d’une friche un tiers-lieu culturel ouvert aux habitants",
                "visiteurs",
            ),
            (
                "Musée nomade {du_departement}",
                "apporter spectacles et expositions dans les communes rurales",
                "spectateurs",
            ),
            (
                "Orchestre des quartiers {quartier}",
                "offrir un instrument et des cours à des enfants des quartiers",
                "enfants",
            ),
            (
                "Festival {mot} co-construit avec les habitants",
                "co-construire une programmation culturelle avec les habitants",
                "habitants",
            ),
        ),
    ),
    "energie": ProjectTheme(
        (Challenge.ECOLOGICAL_TRANSITION, Challenge.TERRITORIAL_EQUITY),
        (7, 13, 11),
        (
            (
                "Centrale solaire citoyenne {de_ville}",
                "installer des panneaux solaires financés par les habitants sur les toits publics",
                "sociétaires",
            ),
            (
                "Rénovation énergétique accompagnée {mot}",
                "accompagner les ménages modestes dans la rénovation de leur logement",
                "ménages",
            ),
            (
                "Réseau de chaleur villageois",
                "chauffer un village au bois local avec une chaufferie collective",
                "foyers raccordés",
            ),
            (
                "Défi Familles à énergie positive {du_departement}",
                "aider les familles à réduire leur consommation d’énergie",
                "familles",
            ),
        ),
    ),
    "droits": ProjectTheme(
        (Challenge.RIGHTS_ACCESS, Challenge.EQUALITY, Challenge.HOUSING),
        (1, 10, 16, 5),
        (
            (
                "Accès aux droits itinérant {du_departement}",
                "aller vers les personnes qui ne demandent pas les aides auxquelles elles ont droit",
                "personnes accompagnées",
            ),
            (
                "Maison des femmes {de_ville}",
                "accueillir, soigner et accompagner les femmes victimes de violences",
                "femmes accueillies",
            ),
            (
                "Bagagerie solidaire {mot}",
                "offrir aux personnes sans abri une adresse et un lieu pour leurs affaires",
                "personnes domiciliées",
            ),
            (
                "Médiation sociale au quartier {quartier}",
                "former des médiatrices issues du quartier",
                "habitants accompagnés",
            ),
        ),
    ),
}

RESULTS = (
    "Depuis son lancement, le projet a touché {count} {unit}.",
    "Le projet a déjà bénéficié à {count} {unit} et son évaluation montre des résultats durables.",
    "L’an dernier, {count} {unit} en ont bénéficié.",
)

AMBITIONS = {
    Stage.EMERGENCE: "L’équipe teste le concept auprès d’un premier groupe d’usagers.",
    Stage.SEED: "Le projet cherche à consolider son modèle économique après une première année d’activité.",
    Stage.DEVELOPMENT: "Le projet se développe et recrute pour répondre à la demande.",
    Stage.SCALE_UP: "Le projet prépare son changement d’échelle dans de nouveaux territoires.",
    Stage.REPLICATION: "Le modèle est essaimé par d’autres structures, accompagnées par l’équipe.",
}
STAGES = (
    (Stage.EMERGENCE, 18),
    (Stage.SEED, 24),
    (Stage.DEVELOPMENT, 32),
    (Stage.SCALE_UP, 16),
    (Stage.REPLICATION, 10),
)
# Budget bands by stage: young projects are small, scaling ones larger.
BUDGETS: dict[Stage, tuple[tuple[str, int], ...]] = {
    Stage.EMERGENCE: ((BudgetBand.UNDER_50K, 70), (BudgetBand.FROM_50K, 30)),
    Stage.SEED: ((BudgetBand.UNDER_50K, 35), (BudgetBand.FROM_50K, 50), (BudgetBand.FROM_200K, 15)),
    Stage.DEVELOPMENT: (
        (BudgetBand.FROM_50K, 35),
        (BudgetBand.FROM_200K, 40),
        (BudgetBand.FROM_500K, 20),
        (BudgetBand.FROM_1M, 5),
    ),
    Stage.SCALE_UP: (
        (BudgetBand.FROM_200K, 25),
        (BudgetBand.FROM_500K, 40),
        (BudgetBand.FROM_1M, 30),
        (BudgetBand.OVER_5M, 5),
    ),
    Stage.REPLICATION: (
        (BudgetBand.FROM_500K, 35),
        (BudgetBand.FROM_1M, 50),
        (BudgetBand.OVER_5M, 15),
    ),
}
NEEDS = (
    (Need.FUNDING, 30),
    (Need.SUPPORT, 16),
    (Need.NETWORKING, 14),
    (Need.VISIBILITY, 10),
    (Need.VOLUNTEERS, 8),
    (Need.RECRUITMENT, 7),
    (Need.PREMISES, 6),
    (Need.LEGAL, 5),
    (Need.IMPACT, 4),
)
# Status of a project of a published organisation; the overall mix is about 80 % published.
STATUSES = (
    (ModerationStatus.PUBLISHED, 83),
    (ModerationStatus.PENDING, 12),
    (ModerationStatus.REJECTED, 4),
    (ModerationStatus.UNPUBLISHED, 1),
)
# How likely an organisation is to carry a project, by its own status.
CARRIER_WEIGHTS = {
    ModerationStatus.PUBLISHED: 8.0,
    ModerationStatus.PENDING: 2.0,
    ModerationStatus.REJECTED: 0.3,
    ModerationStatus.UNPUBLISHED: 0.3,
}
REJECTION_REASONS = (
    "Le projet ne présente pas de caractère d’innovation sociale.",
    "La description est trop succincte pour être publiée.",
)


@dataclass
class ProjectsSeedResult:
    requested: int
    created: int
    existing: int


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0] + "…"


class ProjectGenerator:
    """Draws the demo projects in order from a seeded random generator."""

    def __init__(self, *, seed: int, organisations: Sequence[DemoOrganisation]):
        self.rng = random.Random(f"projects:{seed}")  # noqa: S311  (demo data)
        carriers = [
            (org, CARRIER_WEIGHTS[ModerationStatus(org.status)])
            for org in organisations
            if OrganisationKind.PROJECT_HOLDER.value in org.kinds
        ]
        self.carriers = Weighted(carriers) if carriers else None
        self.statuses = Weighted(STATUSES)
        self.stages = Weighted(STAGES)
        self.budgets = {stage: Weighted(bands) for stage, bands in BUDGETS.items()}
        self.needs = Weighted(NEEDS)
        places: dict[int, Place] = {org.place.department_id: org.place for org in organisations}
        self.departments_by_region: dict[int, list[int]] = defaultdict(list)
        for place in sorted(places.values(), key=lambda p: p.department_code):
            self.departments_by_region[place.region_id].append(place.department_id)
        self.region_ids = sorted(self.departments_by_region)
        self.titles_by_org: dict[int, set[str]] = defaultdict(set)
        self.now = datetime.now(tz=UTC)

    def _territory(self, place: Place) -> tuple[bool, list[int], list[int]]:
        """(national, region ids, department ids) where the project acts."""
        rng = self.rng
        roll = rng.random()
        if roll < 0.12:
            return True, [], []
        if roll < 0.67:
            return False, [place.region_id], [place.department_id]
        if roll < 0.85:
            neighbours = self.departments_by_region[place.region_id]
            picked = rng.sample(neighbours, min(len(neighbours), rng.randint(2, 4)))
            return False, [place.region_id], sorted({place.department_id, *picked})
        if roll < 0.95 or len(self.region_ids) < 3:
            return False, [place.region_id], []
        others = rng.sample(self.region_ids, rng.randint(2, 3))
        return False, sorted({place.region_id, *others}), []

    def build(self, index: int) -> tuple[DemoOrganisation, Project, list[int], list[int]] | None:
        """The index-th demo project (unsaved), with its organisation and territories."""
        if self.carriers is None:
            return None
        rng = self.rng
        org = self.carriers.draw(rng)
        theme_key = THEMES[org.theme].key
        theme = PROJECT_THEMES[theme_key]
        place = org.place
        template, action, unit = rng.choice(theme.ideas)
        title = template.format(
            ville=place.commune_name,
            de_ville=_de(place.commune_name),
            du_departement=f"en {place.department_name}"
            if rng.random() < 0.5
            else f"{_de(place.commune_name)}",
            quartier=rng.choice(NEIGHBOURHOODS),
            mot=rng.choice(WORDS),
        )
        # Unique within the organisation (this is the identity a re-run looks for).
        taken = self.titles_by_org[org.index]
        base, n = title, 1
        while title in taken:
            n += 1
            title = f"{base} – volet {n}"
        taken.add(title)

        challenges = [theme.challenges[0].value]
        if rng.random() < 0.5:
            other = rng.choice(theme.challenges[1:] or tuple(Challenge))
            if other.value not in challenges:
                challenges.append(other.value)
        sdgs = sorted({theme.sdgs[0], *rng.sample(theme.sdgs[1:], rng.randint(0, 2))})
        stage = self.stages.draw(rng)
        earliest = max(org.creation_year, 2005)
        recent = stage in (Stage.EMERGENCE, Stage.SEED)
        start_year = rng.randint(max(earliest, 2021) if recent else earliest, 2025)
        start_year = max(start_year, org.creation_year)
        count = int(10 ** rng.uniform(1.2, 4.6))
        national, region_ids, department_ids = self._territory(place)
        where = (
            "partout en France"
            if national
            else f"à {place.commune_name} et alentour"
            if department_ids
            else f"en {place.region_name}"
        )
        summary = _cut(f"{action[0].upper()}{action[1:]}, {where}.", 280)
        description = " ".join(
            [
                f"Porté par {org.name}, ce projet vise à {action}.",
                rng.choice(RESULTS).format(count=f"{count:,}".replace(",", " "), unit=unit),
                AMBITIONS[stage],
            ]
        )
        needs = sorted({self.needs.draw(rng) for _ in range(rng.randint(1, 3))})

        if org.status == ModerationStatus.PUBLISHED:
            status = self.statuses.draw(rng)
        elif org.status == ModerationStatus.PENDING:
            status = ModerationStatus.PENDING
        else:
            status = ModerationStatus(org.status)
        published_at = None
        reason = ""
        if status in (ModerationStatus.PUBLISHED, ModerationStatus.UNPUBLISHED):
            since = org.published_at or self.now
            published_at = min(since + timedelta(days=rng.randrange(1, 400)), self.now)
        if status == ModerationStatus.REJECTED:
            reason = rng.choice(REJECTION_REASONS)
        project = Project(
            title=title,
            summary=summary,
            description=description,
            challenges=challenges,
            sdgs=sdgs,
            stage=stage,
            is_national=national,
            start_year=start_year,
            budget_band=self.budgets[stage].draw(rng),
            team_size=max(1, int(rng.lognormvariate(1.6, 0.9))),
            beneficiaries_count=count,
            beneficiaries_unit=unit,
            needs=[str(need) for need in needs],
            status=status,
            moderation_reason=reason,
            published_at=published_at,
        )
        return org, project, region_ids, department_ids


def seed_demo_projects(
    *, seed: int, count: int, organisations: OrganisationsSeedResult
) -> ProjectsSeedResult:
    """Create the first ``count`` demo projects that are not in the database yet."""
    result = ProjectsSeedResult(requested=count, created=0, existing=0)
    generator = ProjectGenerator(seed=seed, organisations=organisations.organisations)
    # (organisation, title) of the projects of demo organisations already in the database.
    demo_organisation_ids = sorted(organisations.pk_by_siren.values())
    present: set[tuple[int, str]] = set()
    for start in range(0, len(demo_organisation_ids), BATCH_SIZE):
        present.update(
            Project.objects.filter(
                organisation_id__in=demo_organisation_ids[start : start + BATCH_SIZE]
            ).values_list("organisation_id", "title")
        )
    region_link = Project.regions.through
    department_link = Project.departments.through
    for start in range(0, count, BATCH_SIZE):
        projects, territories = [], []
        for index in range(start, min(count, start + BATCH_SIZE)):
            built = generator.build(index)
            if built is None:
                break
            org, project, region_ids, department_ids = built
            organisation_id = organisations.pk_by_siren[org.siren]
            if (organisation_id, project.title) in present:
                result.existing += 1
                continue
            project.organisation_id = organisation_id
            projects.append(project)
            territories.append((region_ids, department_ids))
        if not projects:
            continue
        with transaction.atomic():
            created = Project.objects.bulk_create(projects, batch_size=BATCH_SIZE)
            region_link.objects.bulk_create(
                [
                    region_link(project_id=project.pk, region_id=region_id)
                    for project, (region_ids, _) in zip(created, territories, strict=True)
                    for region_id in region_ids
                ],
                batch_size=BATCH_SIZE,
            )
            department_link.objects.bulk_create(
                [
                    department_link(project_id=project.pk, department_id=department_id)
                    for project, (_, department_ids) in zip(created, territories, strict=True)
                    for department_id in department_ids
                ],
                batch_size=BATCH_SIZE,
            )
        result.created += len(created)
    return result
