"""URLs under /labels/. The applicant pages are here (/labels/candidatures/…, names prefixed
"application_"). The public register, also under /labels/, is register_urls.py (namespace
"label_register")."""

from django.urls import URLPattern, path

from . import views

app_name = "labels"

urlpatterns: list[URLPattern] = [
    path("candidatures/", views.application_list, name="application_list"),
    path("candidatures/nouvelle/", views.application_create, name="application_create"),
    path("candidatures/<int:pk>/", views.application_detail, name="application_detail"),
    path(
        "candidatures/<int:pk>/retirer/",
        views.application_withdraw,
        name="application_withdraw",
    ),
    path(
        "candidatures/pieces/<int:pk>/",
        views.application_attachment,
        name="application_attachment",
    ),
    path(
        "candidatures/pieces/<int:pk>/supprimer/",
        views.application_attachment_delete,
        name="application_attachment_delete",
    ),
]
