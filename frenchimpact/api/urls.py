from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import SimpleRouter

from frenchimpact.calls.api import AppelViewSet
from frenchimpact.directory.api import OrganisationViewSet, ProjetViewSet
from frenchimpact.labels.register_api import LabelViewSet
from frenchimpact.support.api import OffreViewSet
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

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    *router.urls,
    # Last: any other path ending with "/" is a JSON 404 (paths without it get
    # CommonMiddleware's redirect to the slashed path first, then this 404).
    re_path(r"^(?:.*/)?$", not_found, name="not-found"),
]
