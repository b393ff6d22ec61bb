from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

from frenchimpact.accounts.views import admin_login

urlpatterns: list[URLPattern | URLResolver] = [
    path("", include("frenchimpact.pages.urls")),
    path("", include("frenchimpact.core.urls")),
    path("comptes/", include("frenchimpact.accounts.urls")),
    path("comptes/", include("allauth.urls")),
    path("territoires/", include("frenchimpact.territories.urls")),
    path("annuaire/", include("frenchimpact.directory.urls")),
    path("structures/", include("frenchimpact.organisations.urls")),
    path("projets/", include("frenchimpact.projects.urls")),
    path("gestion/moderation/", include("frenchimpact.organisations.moderation_urls")),
    path("accompagnement/", include("frenchimpact.support.urls")),
    path("labels/", include("frenchimpact.labels.register_urls")),
    path("labels/", include("frenchimpact.labels.urls")),
    path("gestion/labels/", include("frenchimpact.labels.staff_urls")),
    path("appels/", include("frenchimpact.calls.urls")),
    path("jury/", include("frenchimpact.calls.review_urls")),
    path("gestion/appels/", include("frenchimpact.calls.staff_urls")),
    path("donnees/", include("frenchimpact.opendata.urls")),
    path("gestion/imports/", include("frenchimpact.registries.staff_urls")),
    path("gestion/historique/", include("frenchimpact.audit.urls")),
    path("api/v1/", include("frenchimpact.api.urls")),
    path("admin/login/", admin_login, name="admin_login"),  # sign in through allauth only
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
