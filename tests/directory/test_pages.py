"""Public directory pages: search, facets, sorting, pagination, empty states, details."""

import json
import re

import pytest
from django.utils import timezone

from frenchimpact.organisations.enums import MemberRole, ModerationStatus, Source
from frenchimpact.organisations.models import Membership
from frenchimpact.projects.enums import Stage
from frenchimpact.search import documents
from tests.accounts.factories import UserFactory
from tests.search import builders

pytestmark = pytest.mark.django_db

HOSTILE = '</script><script>alert("x")</script><b>gras</b>'


def html(response):
    assert response.status_code == 200
    return response.content.decode()


def result_titles(page):
    return re.findall(r'class="fr-card__title"><a href="[^"]+">([^<]+)</a>', page)


def checkbox_counts(page, facet):
    return {
        value: int(count)
        for value, count in re.findall(
            rf'name="{facet}" value="([^"]+)"[^>]*>\s*<label class="fr-label" for="[^"]+">'
            rf"[^<]*\((\d+)\)</label>",
            page,
        )
    }


@pytest.fixture
def world(territories):
    bretonne = builders.organisation(
        name="Coopérative bretonne", departement="29", charter_accepted_at=timezone.now()
    )
    parisienne = builders.organisation(name="Association parisienne", departement="75")
    hidden = builders.organisation(name="Structure cachée", status=ModerationStatus.PENDING)
    projects = {
        "potager": builders.project(
            organisation_=bretonne, title="Potager solidaire", stage=Stage.EMERGENCE, regions=["53"]
        ),
        "recyclerie": builders.project(
            organisation_=bretonne, title="Recyclerie", stage=Stage.SEED, regions=["53"]
        ),
        "epicerie": builders.project(
            organisation_=parisienne, title="Épicerie solidaire", stage=Stage.SEED, regions=["11"]
        ),
        "national": builders.project(
            organisation_=parisienne,
            title="Aide aux devoirs",
            stage=Stage.REPLICATION,
            is_national=True,
        ),
        "draft": builders.project(
            organisation_=parisienne, title="Brouillon", status=ModerationStatus.PENDING
        ),
        "orphan": builders.project(organisation_=hidden, title="Projet orphelin"),
    }
    documents.rebuild()
    return {"bretonne": bretonne, "parisienne": parisienne, "hidden": hidden, **projects}


def test_only_published_projects_are_listed(client, world):
    page = html(client.get("/annuaire/"))
    assert sorted(result_titles(page)) == sorted(
        ["Potager solidaire", "Recyclerie", "Épicerie solidaire", "Aide aux devoirs"]
    )
    assert "4 projets" in page


def test_search_words_and_relevance(client, world):
    page = html(client.get("/annuaire/", {"q": "SOLID"}))
    assert sorted(result_titles(page)) == ["Potager solidaire", "Épicerie solidaire"]
    assert '<option value="pertinence" selected>' in page


def test_stage_facet_adds_up_to_the_total(client, world):
    page = html(client.get("/annuaire/"))
    counts = checkbox_counts(page, "stade")
    assert counts == {"emergence": 1, "amorcage": 2, "essaimage": 1}
    assert sum(counts.values()) == 4


def test_filters_narrow_and_facets_stay_disjunctive(client, world):
    page = html(client.get("/annuaire/", {"region": "53"}))
    assert sorted(result_titles(page)) == ["Potager solidaire", "Recyclerie"]
    # Choosing Brittany still shows the other regions' counts…
    assert checkbox_counts(page, "region") == {"11": 1, "53": 2, "nationale": 1}
    # …while the other facets count within Brittany.
    assert checkbox_counts(page, "stade") == {"emergence": 1, "amorcage": 1}
    assert 'value="53" checked' in page
    # The active filter can be removed with one link.
    assert 'href="/annuaire/" aria-label="Retirer le filtre Région d’action : Bretagne"' in page


def test_several_values_of_a_facet_are_or(client, world):
    page = html(client.get("/annuaire/?region=53&region=nationale"))
    assert len(result_titles(page)) == 3


def test_unknown_filter_values_are_ignored(client, world):
    page = html(client.get("/annuaire/", {"region": "99", "tri": "n'importe"}))
    assert len(result_titles(page)) == 4


def test_sort_by_name(client, world):
    page = html(client.get("/annuaire/", {"tri": "nom"}))
    assert result_titles(page) == [
        "Aide aux devoirs",
        "Épicerie solidaire",
        "Potager solidaire",
        "Recyclerie",
    ]


def test_organisations_tab(client, world):
    page = html(client.get("/annuaire/structures/", {"membre_communaute": "oui"}))
    assert result_titles(page) == ["Coopérative bretonne"]
    assert "Membre de la communauté French IMPACT" in page
    assert checkbox_counts(page, "membre_communaute") == {"oui": 1, "non": 1}


def test_pagination_keeps_the_search_in_the_links(client, territories):
    organisation = builders.organisation()
    for number in range(25):
        builders.project(organisation_=organisation, title=f"Jardin {number:02d}")
    documents.rebuild()
    first = html(client.get("/annuaire/", {"q": "jardin", "tri": "nom"}))
    assert len(result_titles(first)) == 20
    assert 'href="/annuaire/?q=jardin&amp;tri=nom&amp;page=2"' in first
    assert 'class="fr-pagination fr-mt-3w"' in first
    second = html(client.get("/annuaire/", {"q": "jardin", "tri": "nom", "page": "2"}))
    assert result_titles(second) == [f"Jardin {n}" for n in range(20, 25)]
    assert 'aria-current="page" title="Page 2"' in second
    beyond = html(client.get("/annuaire/", {"q": "jardin", "page": "9"}))
    assert "Cette page n’existe pas" in beyond


def test_empty_state_suggests_removing_filters_and_declaring(client, world):
    page = html(client.get("/annuaire/", {"q": "introuvable", "region": "53"}))
    assert "Nous n’avons trouvé aucun projet" in page
    assert 'href="/annuaire/">effacez la recherche et tous les filtres' in page
    assert 'href="/structures/declarer/"' in page


def test_user_text_is_escaped_everywhere(client, territories):
    organisation = builders.organisation(name=HOSTILE, description=HOSTILE)
    project = builders.project(
        organisation_=organisation, title=HOSTILE, summary=HOSTILE, description=HOSTILE
    )
    documents.rebuild()
    for url in [
        "/annuaire/",
        "/annuaire/structures/",
        f"/annuaire/structures/{organisation.pk}/",
        f"/annuaire/projets/{project.pk}/",
    ]:
        page = html(client.get(url))
        assert "<b>gras</b>" not in page, url
        assert '<script>alert("x")' not in page, url


def json_ld(page):
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert len(blocks) == 1
    return json.loads(blocks[0])


def test_json_ld_is_safe_and_faithful(client, territories):
    organisation = builders.organisation(name=HOSTILE, departement="35", siren="123456789")
    project = builders.project(organisation_=organisation, title=HOSTILE, regions=["53"])
    organisation_page = html(client.get(f"/annuaire/structures/{organisation.pk}/"))
    data = json_ld(organisation_page)
    assert data["@type"] == "Organization"
    assert data["name"] == HOSTILE  # escaped in the page, intact once parsed
    assert data["identifier"]["value"] == "123456789"
    project_data = json_ld(html(client.get(f"/annuaire/projets/{project.pk}/")))
    assert project_data["@type"] == "Project"
    assert project_data["areaServed"] == ["Bretagne"]
    assert project_data["parentOrganization"]["name"] == HOSTILE


def test_organisation_page(client, world):
    organisation = world["bretonne"]
    page = html(client.get(f"/annuaire/structures/{organisation.pk}/"))
    assert "Coopérative bretonne" in page
    assert "Membre de la communauté French IMPACT" in page
    assert f'href="/structures/{organisation.pk}/rejoindre/">Rejoindre cette structure' in page
    assert f'href="/structures/{organisation.pk}/signaler/">Signaler une erreur' in page
    assert "Potager solidaire" in page and "Recyclerie" in page
    assert "Finistère (29)" in page


def test_imported_unclaimed_records_show_their_source(client, territories):
    organisation = builders.organisation(source=Source.SIRENE)
    url = f"/annuaire/structures/{organisation.pk}/"
    assert "Fiche importée du répertoire SIRENE — non revendiquée" in html(client.get(url))
    Membership.objects.create(
        organisation=organisation, user=UserFactory.create(), role=MemberRole.ADMIN
    )
    assert "non revendiquée" not in html(client.get(url))


def test_private_fields_never_show(client, territories):
    organisation = builders.organisation(
        contact_email="prive@exemple.fr", moderation_reason="motif interne"
    )
    page = html(client.get(f"/annuaire/structures/{organisation.pk}/"))
    assert "prive@exemple.fr" not in page and "motif interne" not in page


def test_project_page(client, world):
    project = world["potager"]
    page = html(client.get(f"/annuaire/projets/{project.pk}/"))
    assert "Potager solidaire" in page
    assert "Membre de la communauté French IMPACT" in page  # through its organisation
    assert f'href="/annuaire/structures/{world["bretonne"].pk}/"' in page


def test_project_links_are_http_only(client, territories):
    project = builders.project(
        links=[
            "https://exemple.fr",
            "javascript:alert(1)",
            {"url": "data:text/html,x", "titre": "piège"},
        ]
    )
    page = html(client.get(f"/annuaire/projets/{project.pk}/"))
    assert 'href="https://exemple.fr"' in page
    assert "javascript:" not in page and "data:text" not in page


@pytest.mark.parametrize("record", ["hidden", "draft", "orphan"])
def test_unpublished_records_are_not_found(client, world, record):
    obj = world[record]
    url = (
        f"/annuaire/structures/{obj.pk}/" if record == "hidden" else f"/annuaire/projets/{obj.pk}/"
    )
    assert client.get(url).status_code == 404


def test_search_pages_run_a_fixed_number_of_queries(
    client, territories, django_assert_max_num_queries
):
    def run():
        with django_assert_max_num_queries(5):  # engine: 3; the page's records: 1
            html(client.get("/annuaire/", {"q": "projet", "region": "53", "stade": "emergence"}))
        with django_assert_max_num_queries(5):
            html(client.get("/annuaire/structures/", {"region": "53"}))

    for _ in range(3):
        organisation = builders.organisation(departement="35")
        builders.project(organisation_=organisation, regions=["53"])
    documents.rebuild()
    run()
    for _ in range(15):
        organisation = builders.organisation(departement="35")
        builders.project(organisation_=organisation, regions=["53"])
    documents.rebuild()
    run()


def test_detail_pages_run_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):  # record, membership check, projects
        html(client.get(f"/annuaire/structures/{world['bretonne'].pk}/"))
    with django_assert_max_num_queries(3):  # record, regions, departments
        html(client.get(f"/annuaire/projets/{world['potager'].pk}/"))


def test_header_links_to_the_directory(client, territories):
    page = html(client.get("/annuaire/"))
    assert re.search(
        r'<a class="fr-nav__link" href="/annuaire/"\s+aria-current="page">Annuaire</a>', page
    )
