"""Demo calls for projects: the 2018 "Appel aux Pionniers French IMPACT" at its real size,
decided but not yet published, and an older call whose results are published.

The Pionniers call (co-piloted by the French IMPACT programme and the Caisse des Dépôts,
10 to 15 laureates aimed at, eligibility: more than 3 years of existence and a budget above
500,000 € with the accounts attached) received about 200 applications from demo
organisations, auditioned 45 and decided 22 laureates: here the 22 are *decided*, the
co-pilots have not signed off and nothing is published, so that the sign-offs and the
publication can be shown live. The older call (2017, blind review, one co-pilot) went through
to published results.

Every state is consistent with the lifecycle: submissions and their receipts, eligibility
evaluated by the real rules (``eligibility.evaluate``), admissibility, jury members with
declared links, confirmed conflicts and recusals, assignments and scores of the written
round, the ranking computed by ``consolidation.consolidate`` (the shortlist is its top),
audition panel, slots and interview scores, decisions from the audition ranking. Rows are
written in bulk (no transition, no e-mail); each application gets one audit entry per state
it went through (action ``demo.seed``), so that no state appears without its entry.

Idempotent: a demo call is known by its slug; an existing one is left untouched (one
transaction per call, so a run never leaves half a call). Deterministic for a seed.

Reviewers, signatories and applicants are the demo accounts (accounts/demo.py): the three
reviewers form the jury, the two co-pilot signatories sign for the programme and the Caisse
des Dépôts, and the demo project holders' organisations are among the applicants (the first
is a laureate of the Pionniers call, the second of the older call).
"""

from __future__ import annotations

import datetime as dt
import random
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from frenchimpact.accounts.demo import PER_ROLE, demo_email
from frenchimpact.accounts.models import User
from frenchimpact.accounts.roles import Role
from frenchimpact.audit.models import AuditEntry
from frenchimpact.organisations.enums import ModerationStatus, OrganisationKind
from frenchimpact.organisations.legal_forms import ess_family
from frenchimpact.organisations.models import Membership, Organisation
from frenchimpact.projects.models import Project
from frenchimpact.territories.models import Department, Region

from . import consolidation, eligibility
from .enums import (
    ApplicationStatus,
    AssignmentStatus,
    CallStatus,
    ConflictSource,
    ConflictStatus,
    EligibilityRuleKind,
    GridKind,
    LinkKind,
    QuestionKind,
    RankingBasis,
    RoundKind,
    RoundStatus,
    SignOffPosition,
)
from .models import (
    ApplicationFile,
    Assignment,
    AuditionPanel,
    AuditionSlot,
    BlindDeclaration,
    Call,
    CallApplication,
    CallCopilot,
    ConflictFlag,
    Criterion,
    DeclaredLink,
    EligibilityRule,
    FormVersion,
    Grid,
    JuryMember,
    Question,
    ReviewRound,
    Score,
    SignOff,
    Submission,
)

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
# Below this many demo organisations the directory is too small for ~230 applicants drawn
# among organisations old enough (and the directory's own tests count organisations
# exactly): the calls are then not seeded, and seed_demo says so.
MIN_ORGANISATIONS = 2500
DEMO_REASON = "Données de démonstration"
HOLDERS = PER_ROLE[Role.PROJECT_HOLDER]
ACCOUNTS_FILE = "appels/pieces/demo/comptes-annuels-demo.pdf"
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)

PROGRAMME_NAME = (
    "French IMPACT — Haut-commissariat à l’économie sociale et solidaire et à l’innovation sociale"
)
CDC_NAME = "Caisse des Dépôts"
CDC_SIREN = "180020026"
CDC_SIRET = "18002002600019"

QUESTIONS: tuple[dict[str, Any], ...] = (
    {
        "key": "projet",
        "label": "Le projet en une phrase",
        "kind": QuestionKind.SHORT_TEXT,
        "max_length": 300,
    },
    {
        "key": "structure",
        "label": "Présentation de la structure",
        "kind": QuestionKind.LONG_TEXT,
        "min_length": 50,
        "max_length": 3000,
        "identifying": True,
    },
    {
        "key": "impact",
        "label": "Impact social démontré",
        "kind": QuestionKind.LONG_TEXT,
        "min_length": 80,
        "max_length": 5000,
    },
    {
        "key": "changement_echelle",
        "label": "Stratégie de changement d’échelle",
        "kind": QuestionKind.LONG_TEXT,
        "min_length": 80,
        "max_length": 5000,
    },
    {
        "key": "modele",
        "label": "Voie de changement d’échelle",
        "kind": QuestionKind.CHOICE,
        "choices": ["Croissance", "Essaimage", "Coopération", "Duplication en franchise sociale"],
    },
    {
        "key": "beneficiaires",
        "label": "Bénéficiaires touchés lors du dernier exercice",
        "kind": QuestionKind.NUMBER,
        "min_value": Decimal(0),
    },
    {
        "key": "budget",
        "label": "Budget annuel du dernier exercice clos",
        "kind": QuestionKind.MONEY,
        "help_text": "Total des charges du compte de résultat, en euros.",
    },
    {
        "key": "comptes",
        "label": "Comptes du dernier exercice clos",
        "kind": QuestionKind.FILE,
        "help_text": "Bilan et compte de résultat, en PDF.",
    },
    {
        "key": "besoins",
        "label": "Besoins d’accompagnement",
        "kind": QuestionKind.MULTIPLE_CHOICE,
        "choices": [
            "Financement de l’ingénierie",
            "Levée de freins réglementaires",
            "Mise en réseau",
            "Mesure d’impact",
            "Parrainage au sein de l’État",
        ],
        "required": False,
    },
)
# (key, label, weight, scale max)
EVALUATION: tuple[tuple[str, str, int, int], ...] = (
    ("impact", "Impact social démontré", 3, 5),
    ("modele", "Solidité du modèle économique", 2, 5),
    ("echelle", "Potentiel de changement d’échelle", 3, 5),
    ("equipe", "Équipe et gouvernance", 1, 5),
    ("innovation", "Caractère innovant", 1, 5),
)
INTERVIEW: tuple[tuple[str, str, int, int], ...] = (
    ("vision", "Vision et stratégie d’essaimage", 2, 10),
    ("maturite", "Maturité du modèle à changer d’échelle", 2, 10),
    ("besoins", "Adéquation des besoins à l’accompagnement", 1, 10),
)
COMMENTS = (
    "Résultats mesurés sur plusieurs années, méthode d’évaluation solide.",
    "Impact réel mais encore peu documenté : une mesure externe serait utile.",
    "Modèle économique équilibré, avec une part de recettes propres significative.",
    "Dépendance forte aux subventions publiques.",
    "Stratégie d’essaimage claire, partenaires identifiés dans plusieurs régions.",
    "Le changement d’échelle reste à préciser (territoires, calendrier, moyens).",
    "Équipe expérimentée et gouvernance partagée.",
    "Approche originale, peu de solutions comparables sur le territoire.",
)
DECLINE_REASONS = (
    "Classement après l’évaluation des dossiers insuffisant pour une audition.",
    "Dossier solide, mais d’autres projets présentaient un potentiel de changement "
    "d’échelle plus avancé.",
)


@dataclass(frozen=True)
class CallPlan:
    """One demo call and the shape of its selection."""

    slug: str
    prefix: str  # of the references: "<prefix>-D0001"
    title: str
    summary: str
    description: str
    opens: dt.datetime
    closes: dt.datetime
    target: tuple[int, int]
    blind: bool
    copilots: tuple[str, ...]  # "programme", "cdc"
    eligible: int  # applicants old enough, budget above the threshold
    young: int  # applicants too young
    low_budget: int  # applicants whose budget is below the threshold
    overridden: int  # of the failing ones, declared admissible anyway (with a reason)
    withdrawn: int  # admissible ones withdrawn by the applicant before the review
    shortlisted: int
    laureates: int
    waiting: int
    review_start: dt.datetime
    auditions_start: dt.datetime
    decided_at: dt.datetime
    results_published_at: dt.datetime | None
    applicant_persona: int  # index (1-based) of the demo project holder who is a laureate
    written_basis: str = RankingBasis.NORMALISED


def _paris(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=PARIS)


PIONNIERS = CallPlan(
    slug="pionniers-french-impact",
    prefix="PIONNIERS",
    title="Appel aux Pionniers French IMPACT",
    summary=(
        "Identifier 10 à 15 entreprises de l’ESS au modèle et à l’impact éprouvés, prêtes à "
        "changer d’échelle, pour les accompagner sur mesure."
    ),
    description=(
        "Lancé le 18 janvier 2018 et co-piloté avec la Caisse des Dépôts, l’appel aux "
        "Pionniers French IMPACT sélectionne des innovations sociales qui ont fait leurs "
        "preuves localement et veulent devenir des solutions nationales, par croissance, "
        "essaimage ou coopération. Les lauréats bénéficient d’un accompagnement sur mesure, "
        "d’un financement de leur ingénierie, d’un Hacker French IMPACT pour lever leurs "
        "freins réglementaires et d’un parrain au sein du Gouvernement.\n\n"
        "Conditions : plus de 3 ans d’existence à la date de clôture et un budget annuel "
        "supérieur à 500 000 € sur le dernier exercice clos, comptes à l’appui. Clôture des "
        "candidatures le 30 mars 2018 à 12 h (heure de Paris)."
    ),
    opens=_paris(2018, 1, 18, 10),
    closes=_paris(2018, 3, 30, 12),
    target=(10, 15),
    blind=False,
    copilots=("programme", "cdc"),
    eligible=187,
    young=9,
    low_budget=4,
    overridden=1,
    withdrawn=3,
    shortlisted=45,
    laureates=22,
    waiting=5,
    review_start=_paris(2018, 4, 9, 9),
    auditions_start=_paris(2018, 5, 14, 9),
    decided_at=_paris(2018, 6, 5, 18),
    results_published_at=None,
    applicant_persona=1,
)
OLDER = CallPlan(
    slug="essaimer-innovation-sociale-2017",
    prefix="ESSAIMER",
    title="Appel « Essaimer l’innovation sociale » 2017",
    summary="Soutenir l’essaimage de dix innovations sociales dans de nouveaux territoires.",
    description=(
        "Appel de démonstration antérieur au programme French IMPACT, co-piloté par la "
        "Caisse des Dépôts, évalué en mode anonymisé : les évaluateurs notaient des dossiers "
        "sans le nom des structures. Ses résultats sont publiés."
    ),
    opens=_paris(2017, 5, 2, 10),
    closes=_paris(2017, 6, 30, 12),
    target=(5, 10),
    blind=True,
    copilots=("cdc",),
    eligible=27,
    young=2,
    low_budget=1,
    overridden=0,
    withdrawn=0,
    shortlisted=10,
    laureates=6,
    waiting=2,
    review_start=_paris(2017, 9, 4, 9),
    auditions_start=_paris(2017, 10, 16, 9),
    decided_at=_paris(2017, 11, 21, 18),
    results_published_at=_paris(2017, 12, 12, 10),
    applicant_persona=2,
    written_basis=RankingBasis.RAW,
)
PLANS = (PIONNIERS, OLDER)


@dataclass
class CallsSeedResult:
    calls_created: int = 0
    applications_created: int = 0
    organisations_created: int = 0
    skipped: str = ""
    # (who, e-mail) of the accounts to follow the call's journey with.
    personas: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Applicant:
    organisation: Organisation
    projects: list[Project]
    budget: Decimal
    quality: float


@dataclass
class Planned:
    """An application of the plan, before it is written."""

    index: int
    applicant: Applicant
    submitted_at: dt.datetime
    answers: dict[str, Any]
    eligibility: list[dict[str, Any]]
    eligible: bool
    states: list[str] = field(default_factory=list)
    admissibility_reason: str = ""
    overridden: bool = False
    decision_reason: str = ""
    waiting_rank: int | None = None
    pk: int = 0  # once written

    @property
    def status(self) -> str:
        return self.states[-1]


@dataclass
class Context:
    rng: random.Random
    staff: User | None
    reviewers: list[User]
    signatories: dict[str, User]
    copilots: dict[str, Organisation]
    now: dt.datetime = field(default_factory=lambda: dt.datetime.now(tz=PARIS))


# --- Pools and people -----------------------------------------------------------------------


def _demo_users(role: Role, count: int) -> list[User]:
    emails = [demo_email(role, index) for index in range(1, count + 1)]
    found = {u.email: u for u in User.objects.filter(email__in=emails)}
    return [found[email] for email in emails if email in found]


def _copilot_organisations() -> tuple[dict[str, Organisation], int]:
    """The co-pilots' organisations (created once: the Caisse des Dépôts is known by its
    SIREN, the programme, which has none, by its name)."""
    region = Region.objects.filter(code="11").first()
    department = Department.objects.filter(code="75").first()
    common = {
        "kinds": [OrganisationKind.FUNDER.value, OrganisationKind.ADMINISTRATION.value],
        "status": ModerationStatus.PUBLISHED,
        "region": region,
        "department": department,
        "commune_code": "75107",
        "commune_name": "Paris",
        "ess_flag": "N",
        "ess_family": ess_family(ess_flag="N", legal_form_code=""),
        "published_at": dt.datetime(2018, 1, 18, 9, tzinfo=PARIS),
    }
    created = 0
    cdc = Organisation.objects.filter(siren=CDC_SIREN).first()
    if cdc is None:
        cdc = Organisation.objects.create(
            name=CDC_NAME,
            siren=CDC_SIREN,
            siret=CDC_SIRET,
            postal_code="75007",
            address_line="56 rue de Lille",
            description=(
                "Institution financière publique, co-pilote de l’appel aux Pionniers French IMPACT."
            ),
            **common,
        )
        created += 1
    programme = Organisation.objects.filter(name=PROGRAMME_NAME, siren__isnull=True).first()
    if programme is None:
        programme = Organisation.objects.create(
            name=PROGRAMME_NAME,
            postal_code="75007",
            address_line="246 boulevard Saint-Germain",
            description=(
                "L’accélérateur national de l’innovation sociale, porté par le "
                "Haut-commissariat à l’économie sociale et solidaire et à l’innovation sociale."
            ),
            **common,
        )
        created += 1
    return {"programme": programme, "cdc": cdc}, created


def _pool(exclude: set[int]) -> list[tuple[Organisation, list[Project]]]:
    """Published project holders with at least one project, in primary-key order."""
    projects: dict[int, list[Project]] = defaultdict(list)
    for project in (
        Project.objects.filter(organisation__status=ModerationStatus.PUBLISHED)
        .only(
            "pk",
            "organisation_id",
            "title",
            "summary",
            "status",
            "beneficiaries_count",
            "beneficiaries_unit",
        )
        .order_by("organisation_id", "pk")
    ):
        projects[project.organisation_id].append(project)
    organisations = (
        Organisation.objects.filter(pk__in=list(projects), status=ModerationStatus.PUBLISHED)
        .exclude(pk__in=exclude)
        .only("pk", "name", "kinds", "creation_date", "rna_creation_date", "description")
        .order_by("pk")
    )
    return [
        (organisation, projects[organisation.pk])
        for organisation in organisations
        if OrganisationKind.PROJECT_HOLDER.value in organisation.kinds
        and eligibility.existence_start(organisation)[0] is not None
    ]


# --- Planning (in memory) -------------------------------------------------------------------


def _answers(applicant: Applicant, rng: random.Random) -> dict[str, Any]:
    project = applicant.projects[0]
    count = project.beneficiaries_count or rng.randint(200, 5000)
    unit = project.beneficiaries_unit or "bénéficiaires"
    return {
        "projet": project.summary[:300] or project.title,
        "structure": (applicant.organisation.description or applicant.organisation.name)[:3000]
        or applicant.organisation.name,
        "impact": (
            f"{count} {unit} lors du dernier exercice. Nos résultats sont suivis chaque année "
            "avec nos partenaires et présentés dans notre rapport d’activité."
        ),
        "changement_echelle": (
            f"Nous voulons étendre « {project.title} » à trois nouveaux territoires d’ici "
            "trois ans, en nous appuyant sur des partenaires locaux déjà identifiés."
        ),
        "modele": rng.choice(QUESTIONS[4]["choices"]),
        "beneficiaires": str(count),
        "budget": str(applicant.budget),
        "besoins": rng.sample(QUESTIONS[8]["choices"], rng.randint(1, 3)),
    }


def _submitted_at(plan: CallPlan, rng: random.Random) -> dt.datetime:
    """Most applications arrive in the last weeks, some in the last minutes."""
    span = (plan.closes - plan.opens).total_seconds()
    share = 1 - rng.random() ** 0.35  # skewed towards the deadline
    seconds = max(60.0, min(span - 2, span * (1 - share)))
    return (plan.opens + dt.timedelta(seconds=int(seconds))).astimezone(PARIS)


def _choose_applicants(
    plan: CallPlan,
    pool: list[tuple[Organisation, list[Project]]],
    persona: Organisation | None,
    rng: random.Random,
) -> list[Applicant] | None:
    closing = plan.closes.astimezone(PARIS).date()
    limit = closing.replace(year=closing.year - 3)
    old = [
        (o, p)
        for o, p in pool
        if (start := eligibility.existence_start(o)[0]) is not None and start <= limit
    ]
    young = [
        (o, p)
        for o, p in pool
        if (start := eligibility.existence_start(o)[0]) is not None and limit < start < closing
    ]
    if persona is not None:
        old = [(o, p) for o, p in old if o.pk != persona.pk]
        young = [(o, p) for o, p in young if o.pk != persona.pk]
    wanted_old = plan.eligible + plan.low_budget - (1 if persona is not None else 0)
    if len(old) < wanted_old or len(young) < plan.young:
        return None
    chosen_old = rng.sample(old, wanted_old)
    chosen_young = rng.sample(young, plan.young)
    applicants = []
    for position, (organisation, projects) in enumerate(chosen_old):
        low = position < plan.low_budget
        budget = (
            Decimal(rng.randrange(180_000, 480_000, 1000))
            if low
            else Decimal(rng.randrange(520_000, 4_800_000, 1000))
        )
        applicants.append(Applicant(organisation, projects[:2], budget, rng.betavariate(2.2, 2.2)))
    for organisation, projects in chosen_young:
        applicants.append(
            Applicant(
                organisation,
                projects[:1],
                Decimal(rng.randrange(520_000, 2_000_000, 1000)),
                rng.betavariate(2, 2),
            )
        )
    if persona is not None:
        projects = list(persona.projects.order_by("pk")[:2])
        applicants.append(Applicant(persona, projects, Decimal("1850000"), 1.0))
    rng.shuffle(applicants)
    return applicants


def _score(quality: float, bias: float, scale: int, rng: random.Random) -> Decimal:
    value = quality * scale + bias * scale / 5 + rng.gauss(0, 0.55 * scale / 5)
    return Decimal(max(0, min(scale, round(value))))


# --- Writing --------------------------------------------------------------------------------


def _accounts_file() -> str:
    """One small PDF stored once, referred to by every demo application's accounts."""
    if not default_storage.exists(ACCOUNTS_FILE):
        return default_storage.save(ACCOUNTS_FILE, ContentFile(PDF))
    return ACCOUNTS_FILE


def _audit(entries: list[tuple[Any, str, str, dict[str, Any]]]) -> None:
    """(object, from state, to state, changes) → one ``demo.seed`` entry each."""
    if not entries:
        return
    types = ContentType.objects.get_for_models(*{type(obj) for obj, *_rest in entries})
    AuditEntry.objects.bulk_create(
        [
            AuditEntry(
                actor=None,
                action="demo.seed",
                content_type=types[type(obj)],
                object_id=str(obj.pk),
                object_repr=str(obj)[:255],
                from_state=from_state,
                to_state=to_state,
                changes=changes,
                reason=DEMO_REASON,
            )
            for obj, from_state, to_state, changes in entries
        ],
        batch_size=500,
    )


def _configure(plan: CallPlan, context: Context) -> tuple[Call, dict[str, list[Criterion]]]:
    published = plan.opens - dt.timedelta(days=1)
    call = Call.objects.create(
        slug=plan.slug,
        title=plan.title,
        summary=plan.summary,
        description=plan.description,
        opens_at=plan.opens,
        closes_at=plan.closes,
        status=CallStatus.PUBLISHED,
        target_laureates_min=plan.target[0],
        target_laureates_max=plan.target[1],
        blind_review=plan.blind,
        published_at=published,
        results_published_at=plan.results_published_at,
        created_by=context.staff,
    )
    form = FormVersion.objects.create(call=call, number=1, frozen_at=published)
    Question.objects.bulk_create(
        Question(form=form, order=order, **spec) for order, spec in enumerate(QUESTIONS)
    )
    criteria: dict[str, list[Criterion]] = {}
    for kind, specs in ((GridKind.EVALUATION, EVALUATION), (GridKind.INTERVIEW, INTERVIEW)):
        grid = Grid.objects.create(call=call, kind=kind, number=1, frozen_at=published)
        criteria[kind] = Criterion.objects.bulk_create(
            Criterion(
                grid=grid,
                key=key,
                label=label,
                weight=Decimal(weight),
                scale_min=0,
                scale_max=scale,
                order=order,
            )
            for order, (key, label, weight, scale) in enumerate(specs)
        )
    EligibilityRule.objects.bulk_create(
        [
            EligibilityRule(
                call=call, kind=EligibilityRuleKind.MIN_EXISTENCE_YEARS, threshold=Decimal(3)
            ),
            EligibilityRule(
                call=call,
                kind=EligibilityRuleKind.MIN_ANNUAL_BUDGET,
                threshold=Decimal(500_000),
                question_key="budget",
                evidence_question_key="comptes",
            ),
        ]
    )
    for order, key in enumerate(plan.copilots):
        copilot = CallCopilot.objects.create(
            call=call, organisation=context.copilots[key], order=order
        )
        if key in context.signatories:
            copilot.signatories.add(context.signatories[key])
    return call, criteria


def _plan_applications(
    plan: CallPlan, call: Call, applicants: list[Applicant], rng: random.Random
) -> list[Planned]:
    call = Call.objects.prefetch_related("eligibility_rules").get(pk=call.pk)
    planned = []
    for index, applicant in enumerate(applicants, start=1):
        answers = _answers(applicant, rng)
        values = {"budget": applicant.budget}
        results = eligibility.evaluate(
            call, applicant.organisation, values, answered_files={"comptes"}
        )
        passed = eligibility.all_passed(results)
        planned.append(
            Planned(
                index=index,
                applicant=applicant,
                submitted_at=_submitted_at(plan, rng),
                answers=answers,
                eligibility=results,
                eligible=passed,
                states=[ApplicationStatus.DRAFT, ApplicationStatus.SUBMITTED],
            )
        )
    # Admissibility: the failing ones are inadmissible, but for the overridden few.
    failing = [p for p in planned if not p.eligible]
    for position, item in enumerate(failing):
        if position < plan.overridden:
            item.states.append(ApplicationStatus.ADMISSIBLE)
            item.overridden = True
            item.admissibility_reason = (
                "Comptes consolidés du groupement joints : budget supérieur à 500 000 €."
            )
        else:
            item.states.append(ApplicationStatus.INADMISSIBLE)
            item.admissibility_reason = next(
                r["message"] for r in item.eligibility if not r["passed"]
            )
    for item in planned:
        if item.eligible:
            item.states.append(ApplicationStatus.ADMISSIBLE)
    admissible = [p for p in planned if p.status == ApplicationStatus.ADMISSIBLE]
    for item in rng.sample([p for p in admissible if p.applicant.quality < 1.0], plan.withdrawn):
        item.states.append(ApplicationStatus.WITHDRAWN)
    for item in planned:
        if item.status == ApplicationStatus.ADMISSIBLE:
            item.states.append(ApplicationStatus.IN_REVIEW)
    return planned


def _seed_call(plan: CallPlan, context: Context, applicants: list[Applicant]) -> int:
    rng = context.rng
    call, criteria = _configure(plan, context)
    planned = _plan_applications(plan, call, applicants, rng)
    reviewers = context.reviewers
    staff = context.staff

    # Jury: the reviewers joined on opening; two declared links, one self-declared recusal.
    in_review = [p for p in planned if p.status == ApplicationStatus.IN_REVIEW]
    linked = rng.sample(in_review, 3)
    by_index = {p.index: p for p in planned}
    links = {  # (reviewer position, application index) → link kind
        (0, linked[0].index): LinkKind.ADVISE,
        (1, linked[1].index): LinkKind.FUND,
    }
    self_recusals = {(2, linked[2].index)}
    conflicted = set(links) | self_recusals
    biases = [-0.35, 0.0, 0.45][: len(reviewers)]

    # Written round: every reviewer on every file, but for confirmed conflicts.
    written_specs = [
        consolidation.CriterionSpec(c.pk, float(c.weight), c.scale_min, c.scale_max)
        for c in criteria[GridKind.EVALUATION]
    ]
    written_scores: dict[tuple[int, int], dict[int, Decimal]] = {}
    for item in in_review:
        for position, _reviewer in enumerate(reviewers):
            if (position, item.index) in conflicted:
                continue
            written_scores[(item.index, position)] = {
                spec.id: _score(item.applicant.quality, biases[position], int(spec.scale_max), rng)
                for spec in written_specs
            }
    written_seed = f"{rng.getrandbits(128):032x}"
    written = consolidation.consolidate(
        criteria=written_specs,
        reviews=[
            consolidation.Review(index, position, {k: float(v) for k, v in scores.items()})
            for (index, position), scores in written_scores.items()
        ],
        application_ids=[p.index for p in in_review],
        spread_threshold=20.0,
        basis=plan.written_basis,
        seed=written_seed,
    )
    ranked = [by_index[r.application_id] for r in written if r.rank]
    shortlisted = ranked[: plan.shortlisted]
    for position, item in enumerate(ranked):
        if position < plan.shortlisted:
            item.states.append(ApplicationStatus.SHORTLISTED)
        else:
            item.states.append(ApplicationStatus.NOT_SELECTED)
            item.decision_reason = DECLINE_REASONS[0]

    # Auditions: one panel of the reviewers, 40-minute slots over three days.
    interview_specs = [
        consolidation.CriterionSpec(c.pk, float(c.weight), c.scale_min, c.scale_max)
        for c in criteria[GridKind.INTERVIEW]
    ]
    interview_scores: dict[tuple[int, int], dict[int, Decimal]] = {}
    for item in shortlisted:
        item.states += [ApplicationStatus.AUDITION_SCHEDULED, ApplicationStatus.AUDITIONED]
        for position, _reviewer in enumerate(reviewers):
            if (position, item.index) in conflicted:
                continue
            interview_scores[(item.index, position)] = {
                spec.id: _score(
                    item.applicant.quality, biases[position] / 2, int(spec.scale_max), rng
                )
                for spec in interview_specs
            }
    interview_seed = f"{rng.getrandbits(128):032x}"
    interview = consolidation.consolidate(
        criteria=interview_specs,
        reviews=[
            consolidation.Review(index, position, {k: float(v) for k, v in scores.items()})
            for (index, position), scores in interview_scores.items()
        ],
        application_ids=[p.index for p in shortlisted],
        spread_threshold=20.0,
        basis=RankingBasis.RAW,
        seed=interview_seed,
    )
    for position, result in enumerate(r for r in interview if r.rank):
        item = by_index[result.application_id]
        item.states.append(ApplicationStatus.DELIBERATED)
        if position < plan.laureates:
            item.states.append(ApplicationStatus.LAUREATE)
            item.decision_reason = "Modèle éprouvé et stratégie d’essaimage convaincante."
        elif position < plan.laureates + plan.waiting:
            item.states.append(ApplicationStatus.WAITING_LIST)
            item.waiting_rank = position - plan.laureates + 1
        else:
            item.states.append(ApplicationStatus.NOT_SELECTED)
            item.decision_reason = DECLINE_REASONS[1]

    # --- Write the applications and everything that hangs on them.
    files_name = _accounts_file()
    form = call.form_versions.get()
    applications = []
    for item in planned:
        status = item.status
        decided = status in (
            ApplicationStatus.LAUREATE,
            ApplicationStatus.WAITING_LIST,
            ApplicationStatus.NOT_SELECTED,
            ApplicationStatus.INADMISSIBLE,
        )
        applications.append(
            CallApplication(
                call=call,
                organisation=item.applicant.organisation,
                form=form,
                reference=f"{plan.prefix}-D{item.index:04d}",
                anonymous_code="D-"
                + "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(6)),
                status=status,
                answers=item.answers,
                eligibility=item.eligibility,
                eligible=item.eligible,
                admissibility_reason=item.admissibility_reason,
                admissibility_overridden=item.overridden,
                decision_reason=item.decision_reason,
                waiting_list_rank=item.waiting_rank,
                submitted_at=item.submitted_at,
                decided_at=(
                    plan.decided_at
                    if status != ApplicationStatus.INADMISSIBLE
                    else plan.review_start - dt.timedelta(days=3)
                )
                if decided
                else None,
            )
        )
    CallApplication.objects.bulk_create(applications, batch_size=500)
    pks = dict(
        CallApplication.objects.filter(call=call).values_list("reference", "pk")
    )  # whatever the backend returned
    for item, application in zip(planned, applications, strict=True):
        application.pk = item.pk = pks[application.reference]
    CallApplication.projects.through.objects.bulk_create(
        [
            CallApplication.projects.through(callapplication_id=item.pk, project_id=project.pk)
            for item in planned
            for project in item.applicant.projects
        ],
        batch_size=1000,
    )
    ApplicationFile.objects.bulk_create(
        [
            ApplicationFile(
                application_id=item.pk,
                question_key="comptes",
                file=files_name,
                original_name="comptes-annuels.pdf",
                content_type="application/pdf",
                size=len(PDF),
            )
            for item in planned
        ],
        batch_size=500,
    )
    file_of = dict(
        ApplicationFile.objects.filter(application__call=call).values_list("application_id", "pk")
    )
    for item, application in zip(planned, applications, strict=True):
        item.answers["comptes"] = file_of[item.pk]
        application.answers = item.answers
    CallApplication.objects.bulk_update(applications, ["answers"], batch_size=500)
    Submission.objects.bulk_create(
        [
            Submission(
                application_id=item.pk,
                number=1,
                answers=item.answers,
                projects=[
                    {"id": project.pk, "titre": project.title}
                    for project in sorted(item.applicant.projects, key=lambda p: p.title)
                ],
                eligibility=item.eligibility,
                receipt_code=f"{plan.prefix}-D{item.index:04d}-1-DEMO",
                submitted_at=item.submitted_at,
            )
            for item in planned
        ],
        batch_size=500,
    )

    # Jury, declared links, conflicts.
    JuryMember.objects.bulk_create(
        [JuryMember(call=call, user=user, links_declared_at=plan.opens) for user in reviewers]
    )
    members = list(JuryMember.objects.filter(call=call).order_by("pk"))
    DeclaredLink.objects.bulk_create(
        [
            DeclaredLink(
                member=members[position],
                organisation=by_index[index].applicant.organisation,
                organisation_name=by_index[index].applicant.organisation.name,
                kind=kind,
            )
            for (position, index), kind in links.items()
        ]
    )
    ConflictFlag.objects.bulk_create(
        [
            ConflictFlag(
                application_id=by_index[index].pk,
                reviewer=reviewers[position],
                source=ConflictSource.DECLARED_LINK,
                detail=f"{LinkKind(kind).label} : {by_index[index].applicant.organisation.name}"[
                    :500
                ],
                status=ConflictStatus.CONFIRMED,
                decided_by=staff,
                decided_at=plan.review_start,
            )
            for (position, index), kind in links.items()
        ]
        + [
            ConflictFlag(
                application_id=by_index[index].pk,
                reviewer=reviewers[position],
                source=ConflictSource.SELF_DECLARED,
                detail="J’ai accompagné cette structure l’an dernier.",
                reason="J’ai accompagné cette structure l’an dernier.",
                status=ConflictStatus.CONFIRMED,
                decided_by=reviewers[position],
                decided_at=plan.review_start + dt.timedelta(days=1),
            )
            for position, index in sorted(self_recusals)
        ]
    )

    # Rounds and their assignments and scores.
    written_round = ReviewRound.objects.create(
        call=call,
        number=1,
        kind=RoundKind.WRITTEN,
        name="Évaluation des dossiers",
        grid=criteria[GridKind.EVALUATION][0].grid,
        status=RoundStatus.CLOSED,
        ranking_basis=plan.written_basis,
        ranking_seed=written_seed,
        ranked_at=plan.review_start + dt.timedelta(days=21),
    )
    audition_round = ReviewRound.objects.create(
        call=call,
        number=2,
        kind=RoundKind.AUDITION,
        name="Auditions",
        grid=criteria[GridKind.INTERVIEW][0].grid,
        status=RoundStatus.CLOSED,
        ranking_basis=RankingBasis.RAW,
        ranking_seed=interview_seed,
        ranked_at=plan.decided_at - dt.timedelta(days=1),
    )
    if plan.blind:
        BlindDeclaration.objects.bulk_create(
            [
                BlindDeclaration(round=written_round, reviewer=user, declared_at=plan.review_start)
                for user in reviewers
            ]
        )
        declarations = list(BlindDeclaration.objects.filter(round=written_round).order_by("pk"))
        BlindDeclaration.conflicting.through.objects.bulk_create(
            [
                BlindDeclaration.conflicting.through(
                    blinddeclaration_id=declarations[position].pk,
                    organisation_id=by_index[index].applicant.organisation.pk,
                )
                for position, index in sorted(conflicted)
            ]
        )
    assignments = []
    for round_, scores_of, items, start in (
        (written_round, written_scores, in_review, plan.review_start),
        (audition_round, interview_scores, shortlisted, plan.auditions_start),
    ):
        for item in items:
            for position, reviewer in enumerate(reviewers):
                scores = scores_of.get((item.index, position))
                recused = round_ is written_round and (position, item.index) in conflicted
                if scores is None and not recused:
                    continue  # kept off the audition (conflict)
                declared = start + dt.timedelta(hours=rng.randint(1, 72))
                reason = ""
                if (position, item.index) in links:
                    reason = (
                        "Conflit d’intérêts confirmé : "
                        f"{str(LinkKind(links[(position, item.index)]).label).lower()}"
                    )
                elif (position, item.index) in self_recusals:
                    reason = "J’ai accompagné cette structure l’an dernier."
                assignments.append(
                    (
                        Assignment(
                            round=round_,
                            application_id=item.pk,
                            reviewer=reviewer,
                            status=AssignmentStatus.RECUSED
                            if recused
                            else AssignmentStatus.SUBMITTED,
                            declared_at=declared,
                            recusal_reason=reason,
                            submitted_at=None
                            if recused
                            else declared + dt.timedelta(days=rng.randint(1, 12)),
                            assigned_by=staff,
                        ),
                        scores,
                    )
                )
    Assignment.objects.bulk_create([a for a, _s in assignments], batch_size=500)
    ids = {
        (round_id, application_id, reviewer_id): pk
        for pk, round_id, application_id, reviewer_id in Assignment.objects.filter(
            round__call=call
        ).values_list("pk", "round_id", "application_id", "reviewer_id")
    }
    comments = list(COMMENTS)
    score_rows = []
    for assignment, values in assignments:
        if not values:
            continue
        pk = ids[(assignment.round.pk, assignment.application_id, assignment.reviewer.pk)]
        for criterion_id, value in values.items():
            score_rows.append(
                Score(
                    assignment_id=pk,
                    criterion_id=criterion_id,
                    value=value,
                    comment=rng.choice(comments) if rng.random() < 0.3 else "",
                )
            )
    Score.objects.bulk_create(score_rows, batch_size=1000)

    # Audition panel and slots.
    panel = AuditionPanel.objects.create(call=call, name="Jury d’audition")
    panel.members.set(reviewers)
    day_start = plan.auditions_start
    slots = []
    for position, item in enumerate(shortlisted):
        day, rank = divmod(position, 15)
        starts = day_start + dt.timedelta(days=day, minutes=40 * rank + (60 if rank >= 7 else 0))
        slots.append(
            AuditionSlot(
                panel=panel,
                starts_at=starts,
                ends_at=starts + dt.timedelta(minutes=35),
                location="Paris, Caisse des Dépôts, 56 rue de Lille — salle du conseil"
                if rank % 4
                else "Visioconférence (lien envoyé la veille)",
                application_id=item.pk,
                scheduled_at=plan.auditions_start - dt.timedelta(days=10),
            )
        )
    AuditionSlot.objects.bulk_create(slots)
    slot_of = dict(AuditionSlot.objects.filter(panel=panel).values_list("application_id", "pk"))
    AuditionSlot.excluded_members.through.objects.bulk_create(
        [
            AuditionSlot.excluded_members.through(
                auditionslot_id=slot_of[by_index[index].pk], user_id=reviewers[position].pk
            )
            for position, index in sorted(conflicted)
            if by_index[index].pk in slot_of
        ]
    )

    # Sign-offs: only for the call whose results are published (the Pionniers wait for
    # their co-pilots, live).
    if plan.results_published_at is not None:
        from .deliberation import decisions_snapshot, snapshot_hash

        snapshot = decisions_snapshot(call)
        SignOff.objects.bulk_create(
            [
                SignOff(
                    call=call,
                    copilot=copilot,
                    signatory=context.signatories[key],
                    position=SignOffPosition.APPROVE,
                    decisions=snapshot,
                    decisions_hash=snapshot_hash(snapshot),
                    signed_at=plan.decided_at + dt.timedelta(days=2),
                )
                for key, copilot in zip(
                    plan.copilots, call.copilots.order_by("order", "pk"), strict=True
                )
                if key in context.signatories
            ]
        )

    # The audit trail: the call, its rounds (with the seeds that broke ties), and one entry
    # per state each application went through.
    entries: list[tuple[Any, str, str, dict[str, Any]]] = [
        (call, CallStatus.DRAFT, CallStatus.PUBLISHED, {}),
        (
            written_round,
            RoundStatus.OPEN,
            RoundStatus.CLOSED,
            {"graine": {"avant": None, "apres": written_seed}},
        ),
        (
            audition_round,
            RoundStatus.OPEN,
            RoundStatus.CLOSED,
            {"graine": {"avant": None, "apres": interview_seed}},
        ),
    ]
    for item, application in zip(planned, applications, strict=True):
        for before, after in zip(item.states, item.states[1:], strict=False):
            entries.append((application, before, after, {}))
    _audit(entries)
    return len(applications)


def _persona_organisation(preferred: int, taken: set[int]) -> Organisation | None:
    """The organisation of a demo project holder that can apply (published, with a project,
    not already an applicant): the ``preferred`` one first, else the others in order."""
    holders = [demo_email(Role.PROJECT_HOLDER, i) for i in range(1, HOLDERS + 1)]
    order = [holders[preferred - 1], *[h for h in holders if h != holders[preferred - 1]]]
    memberships = {
        m.user.email: m.organisation
        for m in Membership.objects.filter(user__email__in=holders)
        .select_related("organisation", "user")
        .order_by("-pk")
    }
    for email in order:
        organisation = memberships.get(email)
        if (
            organisation is not None
            and organisation.pk not in taken
            and organisation.status == ModerationStatus.PUBLISHED
            and organisation.projects.exists()
        ):
            return organisation
    return None


def personas() -> list[tuple[str, str]]:
    """(who, e-mail) of the demo accounts that follow the Pionniers call's journey."""
    found: list[tuple[str, str]] = []
    call = Call.objects.filter(slug=PIONNIERS.slug).first()
    if call is None:
        return found
    member = JuryMember.objects.filter(call=call).select_related("user").order_by("pk").first()
    if member is not None:
        found.append(("Évaluateur du jury des Pionniers", member.user.email))
    for copilot in call.copilots.select_related("organisation").prefetch_related("signatories"):
        for signatory in copilot.signatories.all():
            name = copilot.organisation.name.split(" — ")[0]
            found.append((f"Signataire pour « {name} »", signatory.email))
    holders = [demo_email(Role.PROJECT_HOLDER, i) for i in range(1, HOLDERS + 1)]
    row = (
        CallApplication.objects.filter(
            call=call, organisation__memberships__user__email__in=holders
        )
        .order_by("organisation__memberships__user__email")
        .values_list("organisation__name", "status", "organisation__memberships__user__email")
        .first()
    )
    if row is not None:
        name, status, email = row
        state = str(ApplicationStatus(status).label).lower()
        published = "publiée" if call.results_published_at else "non publiée"
        found.append((f"Candidat ({name}, {state}, {published})", email))
    return found


def seed_demo_calls(*, seed: int, organisations: int) -> CallsSeedResult:
    """The demo calls (see the module docstring); nothing when the directory is smaller
    than MIN_ORGANISATIONS demo organisations or the demo accounts are missing."""
    result = CallsSeedResult()
    missing = [plan for plan in PLANS if not Call.objects.filter(slug=plan.slug).exists()]
    if not missing:
        result.personas = personas()
        return result
    if organisations < MIN_ORGANISATIONS:
        result.skipped = (
            f"il faut au moins {MIN_ORGANISATIONS} structures de démonstration "
            f"(--organisations {MIN_ORGANISATIONS} ou plus)"
        )
        return result
    reviewers = _demo_users(Role.REVIEWER, 3)
    signatories = _demo_users(Role.COPILOT_SIGNATORY, 2)
    staff = next(iter(_demo_users(Role.PROGRAMME_STAFF, 1)), None)
    if len(reviewers) < 3 or len(signatories) < 2:
        result.skipped = "les comptes de démonstration (évaluateurs, signataires) manquent"
        return result
    rng = random.Random(f"appels-{seed}")  # noqa: S311  (demo data, not security)
    taken = set(
        CallApplication.objects.filter(call__slug__in=[p.slug for p in PLANS]).values_list(
            "organisation_id", flat=True
        )
    )
    pool: list[tuple[Organisation, list[Project]]] | None = None
    for plan in PLANS:
        if plan not in missing:
            continue
        with transaction.atomic():
            copilots, created = _copilot_organisations()
            result.organisations_created += created
            persona = _persona_organisation(plan.applicant_persona, taken)
            if pool is None:
                pool = _pool({o.pk for o in copilots.values()})
            pool = [(o, p) for o, p in pool if o.pk not in taken]
            applicants = _choose_applicants(plan, pool, persona, rng)
            if applicants is None:
                result.skipped = f"pas assez de structures porteuses publiées pour « {plan.title} »"
                continue
            context = Context(
                rng=rng,
                staff=staff,
                reviewers=reviewers,
                signatories={"programme": signatories[0], "cdc": signatories[1]},
                copilots=copilots,
            )
            result.applications_created += _seed_call(plan, context, applicants)
            result.calls_created += 1
            taken |= {a.organisation.pk for a in applicants}
    result.personas = personas()
    return result
