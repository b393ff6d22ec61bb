"""URLs under /jury/: the reviewers' pages (namespace "jury")."""

from django.urls import URLPattern, path

from . import review_views

app_name = "jury"

urlpatterns: list[URLPattern] = [
    path("", review_views.dashboard, name="dashboard"),
    path("appels/<slug:slug>/liens/", review_views.links, name="links"),
    path("tours/<int:pk>/declaration/", review_views.blind_declaration, name="blind_declaration"),
    path("dossiers/<int:pk>/", review_views.assignment, name="assignment"),
    path("dossiers/<int:pk>/declarer/", review_views.assignment_declare, name="assignment_declare"),
]
