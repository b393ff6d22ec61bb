"""URLs under /appels/: public call pages and the applicant's pages (namespace "calls")."""

from django.urls import URLPattern, path

from . import views

app_name = "calls"

urlpatterns: list[URLPattern] = [
    path("", views.call_list, name="call_list"),
    path("candidatures/", views.application_list, name="application_list"),
    path("candidatures/<int:pk>/", views.application_detail, name="application_detail"),
    path("candidatures/<int:pk>/modifier/", views.application_edit, name="application_edit"),
    path(
        "candidatures/<int:pk>/enregistrer/",
        views.application_autosave,
        name="application_autosave",
    ),
    path(
        "candidatures/<int:pk>/fichiers/<slug:key>/",
        views.application_upload,
        name="application_upload",
    ),
    path("candidatures/<int:pk>/deposer/", views.application_submit, name="application_submit"),
    path(
        "candidatures/<int:pk>/recu/<int:number>/",
        views.application_receipt,
        name="application_receipt",
    ),
    path("candidatures/<int:pk>/retirer/", views.application_withdraw, name="application_withdraw"),
    path("pieces/<int:pk>/", views.application_file, name="application_file"),
    path("<slug:slug>/", views.call_detail, name="call_detail"),
    path("<slug:slug>/candidater/", views.application_create, name="application_create"),
]
