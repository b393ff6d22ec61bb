from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import SimpleRouter

from frenchimpact.calls.api import AppelViewSet
from frenchimpact.directory.api import (
    OrganisationSyncViewSet,
    OrganisationViewSet,
    ProjetSyncViewSet,
    ProjetViewSet,
)
from frenchimpact.labels.register_api import LabelViewSet
from frenchimpact.support.api import OffreSyncViewSet, OffreViewSet
from frenchimpact.territories.api import DepartementViewSet, RegionViewSet

from .errors import not_found

app_name = "api"

router = SimpleRouter()
router.register("regions", RegionViewSet, basename="region")
router.register("departements", DepartementViewSet, basename="departement")
router.register("organisations", OrganisationViewSet, basename="organisation")
router.register("projets", ProjetViewSet, basename="projet")
router.register("offres", OffreViewSet, basename="offre")
router.register("labels", LabelViewSet, basename="label")
router.register("appels", AppelViewSet, basename="appel")

# Full listings for reusers who synchronise, under their own prefix (no identifier or slug of
# another resource can shadow them); list only.
SYNCHRONISATION = [
    ("organisations", OrganisationSyncViewSet, "synchronisation-organisation-list"),
    ("projets", ProjetSyncViewSet, "synchronisation-projet-list"),
    ("offres", OffreSyncViewSet, "synchronisation-offre-list"),
]

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    *router.urls,
    *(
        path(f"synchronisation/{prefix}/", viewset.as_view({"get": "list"}), name=name)
        for prefix, viewset, name in SYNCHRONISATION
    ),
    # Last: any other path ending with "/" is a JSON 404 (paths without it get
    # CommonMiddleware's redirect to the slashed path first, then this 404).
    re_path(r"^(?:.*/)?$", not_found, name="not-found"),
]
