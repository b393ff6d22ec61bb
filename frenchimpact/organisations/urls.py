"""Member-side pages of organisations (registration, membership, edits, reports).

Placeholder routes: the names are the contract other apps link to (directory pages).
"""

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path

app_name = "organisations"


def _todo(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404


urlpatterns = [
    path("", _todo, name="dashboard"),  # the signed-in user's organisations and projects
    path("declarer/", _todo, name="declare"),  # declare an organisation by SIRET/SIREN
    path("<int:pk>/rejoindre/", _todo, name="join"),  # ask to join an existing organisation
    path("<int:pk>/signaler/", _todo, name="report"),  # report an error / not my structure
]
