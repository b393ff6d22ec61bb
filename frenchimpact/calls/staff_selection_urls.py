"""Staff URLs (selection) under /gestion/appels/, gathered in staff_urls.py (namespace "calls_staff")."""

from django.urls import URLPattern, path

from . import staff_selection_views as views

urlpatterns: list[URLPattern] = [
    # Consolidation of a round, freezing, shortlisting.
    path(
        "<slug:slug>/tours/<int:number>/classement/",
        views.round_ranking,
        name="round_ranking",
    ),
    path(
        "<slug:slug>/tours/<int:number>/classement/figer/",
        views.round_freeze,
        name="round_freeze",
    ),
    path(
        "<slug:slug>/tours/<int:number>/classement/defiger/",
        views.round_unfreeze,
        name="round_unfreeze",
    ),
    path("<slug:slug>/tours/<int:number>/clore/", views.round_close, name="round_close"),
    path(
        "<slug:slug>/tours/<int:number>/classement/<int:pk>/",
        views.round_application,
        name="round_application",
    ),
    # Auditions.
    path("<slug:slug>/auditions/", views.auditions_page, name="auditions"),
    path("<slug:slug>/auditions/panels/", views.panel_create, name="panel_create"),
    path("<slug:slug>/auditions/creneaux/", views.slot_create, name="slot_create"),
    path(
        "<slug:slug>/auditions/creneaux/<int:pk>/supprimer/",
        views.slot_delete,
        name="slot_delete",
    ),
    path("<slug:slug>/auditions/programmer/", views.audition_schedule, name="audition_schedule"),
    path(
        "<slug:slug>/auditions/creneaux/<int:pk>/annuler/",
        views.audition_unschedule,
        name="audition_unschedule",
    ),
    path(
        "<slug:slug>/auditions/creneaux/<int:pk>/tenue/",
        views.audition_record,
        name="audition_record",
    ),
    # Deliberation, sign-off, publication.
    path("<slug:slug>/deliberation/", views.deliberation_page, name="deliberation"),
    path("<slug:slug>/deliberation/ouvrir/", views.deliberation_open, name="deliberation_open"),
    path(
        "<slug:slug>/deliberation/<int:pk>/decision/",
        views.deliberation_decide,
        name="deliberation_decide",
    ),
    path("<slug:slug>/visa/", views.signoff, name="signoff"),
    path("<slug:slug>/publication/", views.publication, name="publication"),
    # Reopening a final decision.
    path("<slug:slug>/reouvertures/", views.reopen_list, name="reopen_list"),
    path("reouvertures/<int:pk>/", views.reopen_answer, name="reopen_answer"),
]
