"""The demo organisations and projects of seed_demo: identity, idempotence, realism."""

from __future__ import annotations

import io
import re
from collections import Counter

import pytest
from django.core.management import CommandError, call_command
from stdnum.fr import siren as siren_number
from stdnum.fr import siret as siret_number

from frenchimpact.accounts.models import User
from frenchimpact.labels.models import Label, LabelApplication
from frenchimpact.organisations.demo import (
    POSTAL_CODES,
    OrganisationGenerator,
    demo_siren,
    load_places,
)
from frenchimpact.organisations.enums import (
    EssFamily,
    ModerationStatus,
    OrganisationKind,
    SizeBand,
    Source,
)
from frenchimpact.organisations.legal_forms import ess_family
from frenchimpact.organisations.models import Membership, Organisation
from frenchimpact.projects.enums import BudgetBand, Challenge, Need, Sdg, Stage
from frenchimpact.projects.models import Project
from frenchimpact.search import engine
from frenchimpact.search.documents import ORGANISATION, PROJECT
from frenchimpact.territories.models import Department

pytestmark = pytest.mark.usefixtures("territories")

ORGANISATION_FIELDS = (
    "siren", "name", "acronym", "kinds", "siret", "rna", "legal_form_code", "ess_flag",
    "ess_family", "creation_date", "size_band", "postal_code", "commune_code", "department_id",
    "region_id", "description", "status", "charter_accepted_at", "published_at",
)  # fmt: skip
PROJECT_FIELDS = (
    "organisation__siren", "title", "summary", "challenges", "sdgs", "stage", "is_national",
    "budget_band", "needs", "status", "published_at",
)  # fmt: skip


def seed(*, organisations: int, projects: int, seed: int = 2018) -> str:
    out = io.StringIO()
    call_command(
        "seed_demo",
        "--seed",
        str(seed),
        "--organisations",
        str(organisations),
        "--projects",
        str(projects),
        stdout=out,
    )
    return out.getvalue()


def organisations_snapshot() -> list[tuple]:
    return list(Organisation.objects.order_by("siren").values_list(*ORGANISATION_FIELDS))


def projects_snapshot() -> list[tuple]:
    return sorted(
        (*row, tuple(sorted(regions)), tuple(sorted(departments)))
        for *row, regions, departments in (
            (
                *values,
                project.regions.values_list("code", flat=True),
                project.departments.values_list("code", flat=True),
            )
            for project, values in (
                (Project.objects.get(pk=pk), values)
                for pk, *values in Project.objects.values_list("pk", *PROJECT_FIELDS)
            )
        )
    )


def wipe_directory() -> None:
    # The demo labels and applications protect their organisations (PROTECT foreign keys).
    LabelApplication.objects.update(renewal_of=None)
    Label.objects.all().delete()
    LabelApplication.objects.all().delete()
    Membership.objects.all().delete()
    Project.objects.all().delete()
    Organisation.objects.all().delete()


@pytest.mark.django_db
def test_counts_and_a_second_run_duplicates_nothing():
    out = seed(organisations=300, projects=200)
    assert Organisation.objects.count() == 300
    assert Project.objects.count() == 200
    assert "300 créées, 0 déjà présentes" in out
    assert "200 créés, 0 déjà présents" in out
    organisations, projects = organisations_snapshot(), projects_snapshot()
    memberships = sorted(Membership.objects.values_list("user_id", "organisation_id"))

    out = seed(organisations=300, projects=200)

    assert "0 créées, 300 déjà présentes" in out
    assert "0 créés, 200 déjà présents" in out
    assert organisations_snapshot() == organisations
    assert projects_snapshot() == projects
    assert sorted(Membership.objects.values_list("user_id", "organisation_id")) == memberships


@pytest.mark.django_db
def test_a_rerun_keeps_what_demo_users_changed():
    seed(organisations=50, projects=30)
    org = Organisation.objects.filter(status=ModerationStatus.PENDING).first()
    assert org is not None
    Organisation.objects.filter(pk=org.pk).update(status=ModerationStatus.PUBLISHED, name="Édité")
    seed(organisations=50, projects=30)
    org.refresh_from_db()
    assert (org.status, org.name) == (ModerationStatus.PUBLISHED, "Édité")
    assert Organisation.objects.count() == 50


@pytest.mark.django_db
def test_same_seed_gives_the_same_data_and_another_seed_other_data():
    seed(organisations=200, projects=150, seed=7)
    organisations, projects = organisations_snapshot(), projects_snapshot()
    wipe_directory()
    seed(organisations=200, projects=150, seed=7)
    assert organisations_snapshot() == organisations
    assert projects_snapshot() == projects

    wipe_directory()
    seed(organisations=200, projects=150, seed=8)
    other = organisations_snapshot()
    # The identity (SIREN) of the i-th organisation does not depend on the seed; its content does.
    assert [row[0] for row in other] == [row[0] for row in organisations]
    assert [row[1:] for row in other] != [row[1:] for row in organisations]


@pytest.mark.django_db
def test_asking_for_more_adds_rows_without_changing_the_first_ones():
    seed(organisations=100, projects=0)
    first = organisations_snapshot()
    seed(organisations=250, projects=0)
    assert Organisation.objects.count() == 250
    grown = {row[0]: row for row in organisations_snapshot()}
    assert all(grown[row[0]] == row for row in first)
    assert set(grown) == {demo_siren(i) for i in range(250)}


@pytest.mark.django_db
def test_the_generator_is_deterministic_and_independent_of_the_count():
    places = load_places()

    def rows(seed: int, count: int) -> list[dict]:
        generator = OrganisationGenerator(seed=seed, places=places)
        return [
            {f: getattr(org, f) for f in ORGANISATION_FIELDS if f not in ("published_at",)}
            for org, _ in (generator.build(i) for i in range(count))
        ]

    assert rows(3, 50) == rows(3, 50)
    assert rows(3, 80)[:50] == rows(3, 50)
    assert rows(4, 50) != rows(3, 50)


@pytest.mark.django_db
def test_identifiers_are_valid_and_unique():
    seed(organisations=1500, projects=0)
    rows = list(Organisation.objects.values_list("siren", "siret", "rna", "legal_form_code"))
    sirens = [siren for siren, *_ in rows]
    assert len(set(sirens)) == len(rows)
    for siren, siret, rna, legal_form in rows:
        assert siren is not None and siren_number.is_valid(siren), siren
        assert siret_number.is_valid(siret) and siret.startswith(siren), siret
        if legal_form.startswith("92"):
            assert rna is not None and re.fullmatch(r"W[0-9A-Z]{9}", rna), rna
        else:
            assert rna is None
    rnas = [rna for *_, rna, _ in rows if rna]
    assert len(set(rnas)) == len(rnas)


@pytest.mark.django_db
def test_an_rna_number_already_taken_by_a_real_member_is_dropped_not_fatal():
    generator = OrganisationGenerator(seed=2018, places=load_places())
    first = next(org for org, _ in (generator.build(i) for i in range(50)) if org.rna is not None)
    Organisation.objects.create(name="Vraie association", rna=first.rna)
    seed(organisations=50, projects=0)
    demo = Organisation.objects.get(siren=first.siren)
    assert demo.rna is None
    assert Organisation.objects.filter(rna=first.rna).count() == 1


@pytest.mark.django_db
def test_two_thousand_organisations_have_a_realistic_mix():
    out = seed(organisations=2000, projects=1000)
    organisations = list(Organisation.objects.select_related("department", "region"))
    total = len(organisations)
    assert total == 2000

    statuses = Counter(org.status for org in organisations)
    assert 0.80 <= statuses[ModerationStatus.PUBLISHED] / total <= 0.90
    assert 0.05 <= statuses[ModerationStatus.PENDING] / total <= 0.15
    assert 0 < statuses[ModerationStatus.REJECTED] / total <= 0.08
    community = sum(org.charter_accepted_at is not None for org in organisations)
    assert 0.20 <= community / total <= 0.35  # registered members only: imports are unclaimed
    assert all(
        org.status == ModerationStatus.PUBLISHED for org in organisations if org.charter_accepted_at
    )
    assert all(org.moderation_reason for org in organisations if org.status == "refuse")
    assert all(org.published_at is None for org in organisations if org.status == "en_attente")

    forms = Counter(org.legal_form_code for org in organisations)
    associations = sum(n for code, n in forms.items() if code.startswith("92"))
    assert 0.55 <= associations / total <= 0.85
    for code in ("5458", "9300", "8210", "5710"):
        assert forms[code] > 0, code
    families = Counter(org.ess_family for org in organisations)
    assert families[EssFamily.NOT_ESS] > 0
    assert families[EssFamily.ESS_COMPANY] > 0
    assert families[EssFamily.UNKNOWN] == 0
    assert all(
        org.ess_family == ess_family(ess_flag=org.ess_flag, legal_form_code=org.legal_form_code)
        for org in organisations
    )
    kinds = Counter(kind for org in organisations for kind in org.kinds)
    assert kinds[OrganisationKind.PROJECT_HOLDER] / total > 0.7
    for kind in ("accompagnateur", "financeur", "collectivite", "entreprise_engagee"):
        assert kinds[kind] > 0, kind
    assert set(kinds) <= set(OrganisationKind.values)

    # Real places, with the population skew: the Nord outweighs the Lozère.
    per_department: Counter[str] = Counter()
    years: Counter[int] = Counter()
    for org in organisations:
        assert org.department is not None and org.creation_date is not None
        per_department[org.department.code] += 1
        years[org.creation_date.year // 10 * 10] += 1
        assert org.name and org.description and org.address_line and org.siret
        assert org.region_id == org.department.region_id
        assert org.postal_code in POSTAL_CODES[org.department.code]
        assert org.commune_code[:2] == org.department.code[:2]
        assert org.size_band in SizeBand.values
        assert org.legal_form_label
        assert 1950 <= org.creation_date.year <= 2024
        assert org.source in Source.values
        if org.source == Source.REGISTERED:
            assert org.contact_email.endswith("@demo.frenchimpact.example")
        else:
            # Registry imports: published at once (or withdrawn), unclaimed, no private contact.
            assert org.status in (ModerationStatus.PUBLISHED, ModerationStatus.UNPUBLISHED)
            assert org.charter_accepted_at is None and org.contact_email == ""
        if org.rna_creation_date:
            assert org.rna_creation_date <= org.creation_date
    # Some renamings wait for moderation, so staff can see the side-by-side comparison.
    assert any(org.pending_changes for org in organisations)
    assert per_department["59"] > 3 * per_department["48"]
    assert len(per_department) > 80
    assert len(years) >= 7  # spread over the decades 1950–2020

    projects = list(
        Project.objects.select_related("organisation").prefetch_related("regions", "departments")
    )
    assert len(projects) == 1000
    statuses = Counter(p.status for p in projects)
    assert 0.72 <= statuses[ModerationStatus.PUBLISHED] / 1000 <= 0.88
    assert statuses[ModerationStatus.PENDING] > 0
    region_of = dict(Department.objects.values_list("pk", "region_id"))
    for project in projects:
        assert project.title and project.summary and project.description
        assert len(project.summary) <= 280
        assert 1 <= len(project.sdgs) <= 3 and set(project.sdgs) <= set(Sdg.values)
        assert 1 <= len(project.challenges) <= 2
        assert set(project.challenges) <= set(Challenge.values)
        assert project.stage in Stage.values and project.budget_band in BudgetBand.values
        assert 1 <= len(project.needs) <= 3 and set(project.needs) <= set(Need.values)
        assert project.beneficiaries_count and project.beneficiaries_unit
        founded = project.organisation.creation_date
        assert founded is not None and project.start_year
        assert project.start_year >= founded.year
        regions = {r.pk for r in project.regions.all()}
        department_ids = [d.pk for d in project.departments.all()]
        if project.is_national:
            assert not regions and not department_ids
        else:
            assert regions
            assert {region_of[d] for d in department_ids} <= regions
        if project.status == ModerationStatus.PUBLISHED:
            assert project.organisation.status == ModerationStatus.PUBLISHED
        if project.organisation.status == ModerationStatus.PENDING:
            assert project.status == ModerationStatus.PENDING
    assert any(p.is_national for p in projects)
    assert len({c for p in projects for c in p.challenges}) >= 10
    assert len({s for p in projects for s in p.sdgs}) >= 12

    # bulk_create sends no signal: the seed rebuilt the search index at the end.
    assert "Index de recherche reconstruit" in out
    assert engine.query(ORGANISATION).total == Organisation.objects.published().count()
    assert engine.query(PROJECT).total == Project.objects.published().count()


@pytest.mark.django_db
def test_demo_accounts_are_members_of_a_matching_organisation():
    seed(organisations=400, projects=50)
    holder = User.objects.get(email="porteur-projet-1@demo.frenchimpact.example")
    membership = Membership.objects.select_related("organisation").get(user=holder)
    assert OrganisationKind.PROJECT_HOLDER in membership.organisation.kinds
    assert membership.organisation.status == ModerationStatus.PUBLISHED
    territory = User.objects.get(email="collectivite-1@demo.frenchimpact.example")
    assert "collectivite" in Membership.objects.get(user=territory).organisation.kinds
    count = Membership.objects.count()
    seed(organisations=400, projects=50)
    assert Membership.objects.count() == count


@pytest.mark.django_db
@pytest.mark.parametrize("option", ["--organisations", "--projects"])
def test_negative_counts_are_refused(option):
    with pytest.raises(CommandError, match="doit être"):
        call_command("seed_demo", option, "-1", stdout=io.StringIO())
    assert not Organisation.objects.exists()
