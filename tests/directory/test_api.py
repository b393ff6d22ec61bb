"""/api/v1/organisations/ and /api/v1/projets/: the directory's search as an API."""

import pytest
from django.utils import timezone

from frenchimpact.organisations.enums import ModerationStatus
from frenchimpact.projects.enums import Stage
from frenchimpact.search import documents
from tests.search import builders

pytestmark = pytest.mark.django_db

PRIVATE_VALUES = ("prive@exemple.fr", "motif interne", "en_attente_de_moderation")


@pytest.fixture
def world(territories):
    bretonne = builders.organisation(
        name="Coopérative bretonne",
        departement="29",
        kinds=["porteur_projet"],
        ess_family="cooperative",
        charter_accepted_at=timezone.now(),
        contact_email="prive@exemple.fr",
        moderation_reason="motif interne",
        pending_changes={"name": "en_attente_de_moderation"},
        legal_form_code="5458",
        legal_form_label="SCOP",
        website="https://bretonne.example",
    )
    parisienne = builders.organisation(
        name="Association parisienne", departement="75", ess_family="association"
    )
    hidden = builders.organisation(name="Cachée", status=ModerationStatus.PENDING)
    records = {
        "potager": builders.project(
            organisation_=bretonne,
            title="Potager solidaire",
            stage=Stage.EMERGENCE,
            regions=["53"],
            sdgs=[2, 12],
            challenges=["alimentation"],
            moderation_reason="motif interne",
        ),
        "epicerie": builders.project(
            organisation_=parisienne,
            title="Épicerie solidaire",
            stage=Stage.SEED,
            departements=["75"],
        ),
        "national": builders.project(
            organisation_=parisienne, title="Aide aux devoirs", stage=Stage.SEED, is_national=True
        ),
        "draft": builders.project(
            organisation_=parisienne, title="Brouillon", status=ModerationStatus.PENDING
        ),
        "orphan": builders.project(organisation_=hidden, title="Orphelin"),
    }
    documents.rebuild()
    return {"bretonne": bretonne, "parisienne": parisienne, "hidden": hidden, **records}


def get(client, url, params=None, status=200):
    response = client.get(url, params or {})
    assert response.status_code == status, response.content
    return response


def titles(response):
    return [item["titre"] for item in response.json()["results"]]


def test_projects_list_envelope_and_only_published(client, world):
    data = get(client, "/api/v1/projets/", {"tri": "nom"}).json()
    assert set(data) == {"count", "next", "previous", "results", "facets"}
    assert data["count"] == 3
    assert [item["titre"] for item in data["results"]] == [
        "Aide aux devoirs",
        "Épicerie solidaire",
        "Potager solidaire",
    ]


def test_project_fields(client, world):
    project = world["potager"]
    item = get(client, f"/api/v1/projets/{project.pk}/").json()
    assert item["titre"] == "Potager solidaire"
    assert item["defis"] == ["alimentation"]
    assert item["odd"] == [2, 12]
    assert item["territoires"] == {"regions": ["53"], "departements": []}
    assert item["structure"] == {"id": world["bretonne"].pk, "nom": "Coopérative bretonne"}
    assert item["url"] == f"http://testserver/annuaire/projets/{project.pk}/"
    assert set(item) == {
        "id",
        "titre",
        "resume",
        "description",
        "defis",
        "odd",
        "stade",
        "territoires",
        "nationale",
        "annee_lancement",
        "budget_annuel",
        "taille_equipe",
        "beneficiaires",
        "besoins",
        "liens",
        "structure",
        "url",
        "date_publication",
    }


def test_organisation_fields_and_no_private_data(client, world):
    organisation = world["bretonne"]
    response = get(client, f"/api/v1/organisations/{organisation.pk}/")
    item = response.json()
    assert item["nom"] == "Coopérative bretonne"
    assert item["departement"] == "29" and item["region"] == "53"
    assert item["forme_juridique"] == {"code": "5458", "libelle": "SCOP"}
    assert item["membre_communaute"] is True
    assert item["types"] == ["porteur_projet"]
    listing = get(client, "/api/v1/organisations/").content.decode()
    for body in (response.content.decode(), listing):
        for value in PRIVATE_VALUES:
            assert value not in body
    for field in (
        "contact_email",
        "pending_changes",
        "moderation_reason",
        "created_by",
        "field_sources",
    ):
        assert field not in item


def test_filters(client, world):
    assert set(titles(get(client, "/api/v1/projets/", {"q": "SOLID"}))) == {
        "Épicerie solidaire",
        "Potager solidaire",
    }
    assert titles(get(client, "/api/v1/projets/", {"region": "53"})) == ["Potager solidaire"]
    assert len(titles(get(client, "/api/v1/projets/", {"region": "53,nationale"}))) == 2
    assert titles(get(client, "/api/v1/projets/", {"departement": "75"})) == ["Épicerie solidaire"]
    assert titles(get(client, "/api/v1/projets/", {"odd": "12"})) == ["Potager solidaire"]
    assert titles(get(client, "/api/v1/projets/", {"membre_communaute": "oui"})) == [
        "Potager solidaire"
    ]
    names = [
        o["nom"]
        for o in get(client, "/api/v1/organisations/", {"famille_ess": "association"}).json()[
            "results"
        ]
    ]
    assert names == ["Association parisienne"]


def test_facets_are_disjunctive_counts(client, world):
    facets = get(client, "/api/v1/projets/", {"stade": "amorcage"}).json()["facets"]
    assert facets["stade"] == {"amorcage": 2, "emergence": 1}
    assert facets["region"] == {"11": 1, "nationale": 1}
    assert set(facets) == {
        "region",
        "departement",
        "defi",
        "odd",
        "stade",
        "famille_ess",
        "membre_communaute",
    }


@pytest.mark.parametrize(
    ("url", "params", "parametre", "accepted"),
    [
        ("/api/v1/projets/", {"region": "99"}, "region", "01, 02, 03"),
        ("/api/v1/projets/", {"region": "53,99"}, "region", "nationale"),
        ("/api/v1/organisations/", {"region": "nationale"}, "region", "94."),
        ("/api/v1/projets/", {"stade": "fini"}, "stade", "emergence, amorcage"),
        ("/api/v1/organisations/", {"type": "x"}, "type", "porteur_projet"),
        ("/api/v1/projets/", {"odd": "18"}, "odd", "17"),
        ("/api/v1/projets/", {"tri": "hasard"}, "tri", None),
        ("/api/v1/projets/", {"region": ""}, "region", None),
    ],
)
def test_unknown_values_answer_400_naming_the_parameter(
    client, world, url, params, parametre, accepted
):
    body = get(client, url, params, status=400).json()
    assert body["erreur"] == "Requête invalide"
    assert body["parametre"] == parametre
    if accepted:
        assert accepted in body["detail"]


def test_repeated_parameter_is_a_400(client, world):
    body = get(client, "/api/v1/projets/?region=53&region=11", status=400).json()
    assert body["parametre"] == "region"


def test_pagination(client, territories):
    organisation = builders.organisation()
    for number in range(5):
        builders.project(organisation_=organisation, title=f"Jardin {number}")
    documents.rebuild()
    first = get(client, "/api/v1/projets/", {"taille_page": 2, "tri": "nom"}).json()
    assert first["count"] == 5 and len(first["results"]) == 2
    assert "page=2" in first["next"] and "tri=nom" in first["next"]
    last = get(client, "/api/v1/projets/", {"taille_page": 2, "tri": "nom", "page": 3}).json()
    assert [item["titre"] for item in last["results"]] == ["Jardin 4"]
    assert last["next"] is None
    beyond = get(client, "/api/v1/projets/", {"taille_page": 2, "page": 4}, status=404).json()
    assert beyond["parametre"] == "page"
    assert get(client, "/api/v1/projets/", {"page": 101}, status=400).json()["parametre"] == "page"


def test_unpublished_details_are_404(client, world):
    get(client, f"/api/v1/organisations/{world['hidden'].pk}/", status=404)
    get(client, f"/api/v1/projets/{world['draft'].pk}/", status=404)
    get(client, f"/api/v1/projets/{world['orphan'].pk}/", status=404)


def test_conditional_requests(client, world, django_capture_on_commit_callbacks):
    response = get(client, "/api/v1/projets/", {"region": "53"})
    etag = response["ETag"]
    assert response["Last-Modified"]
    assert client.get("/api/v1/projets/?region=53", HTTP_IF_NONE_MATCH=etag).status_code == 304
    # A change to a record outside the filter changes the facet counts, hence the ETag.
    with django_capture_on_commit_callbacks(execute=True):
        world["epicerie"].stage = Stage.EMERGENCE
        world["epicerie"].save()
    assert client.get("/api/v1/projets/?region=53", HTTP_IF_NONE_MATCH=etag).status_code == 200
    detail = get(client, f"/api/v1/organisations/{world['bretonne'].pk}/")
    assert (
        client.get(
            f"/api/v1/organisations/{world['bretonne'].pk}/", HTTP_IF_NONE_MATCH=detail["ETag"]
        ).status_code
        == 304
    )


def test_fixed_number_of_queries(client, territories, django_assert_max_num_queries):
    def run():
        with django_assert_max_num_queries(4):  # engine 3, records 1
            get(client, "/api/v1/organisations/", {"q": "structure", "region": "53"})
        with django_assert_max_num_queries(6):  # engine 3, records 1, territories 2
            get(client, "/api/v1/projets/", {"region": "53", "stade": "emergence"})
        with django_assert_max_num_queries(3):
            get(client, f"/api/v1/projets/{project.pk}/")

    for _ in range(2):
        project = builders.project(
            organisation_=builders.organisation(departement="35"),
            regions=["53"],
            departements=["35"],
        )
    documents.rebuild()
    run()
    for _ in range(12):
        builders.project(organisation_=builders.organisation(departement="35"), regions=["53"])
    documents.rebuild()
    run()


@pytest.mark.django_db
def test_a_nul_character_in_q_is_dropped_not_refused(client):
    response = client.get("/api/v1/projets/", {"q": "jardin\x00s"})
    assert response.status_code == 200


def test_organisation_position_from_sirene(client, world):
    bretonne, parisienne = world["bretonne"], world["parisienne"]
    type(bretonne).objects.filter(pk=bretonne.pk).update(latitude=48.39, longitude=-4.49)
    located = get(client, f"/api/v1/organisations/{bretonne.pk}/").json()
    assert located["position"] == {"latitude": 48.39, "longitude": -4.49}
    assert get(client, f"/api/v1/organisations/{parisienne.pk}/").json()["position"] is None
