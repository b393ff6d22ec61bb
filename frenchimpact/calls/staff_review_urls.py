"""Staff URLs (review) under /gestion/appels/, gathered in staff_urls.py (namespace "calls_staff")."""

from django.urls import URLPattern, path

from . import staff_review_views as views

urlpatterns: list[URLPattern] = [
    path("<slug:slug>/jury/", views.jury, name="jury"),
    path("<slug:slug>/conflits/", views.conflicts, name="conflicts"),
    path("<slug:slug>/conflits/detecter/", views.conflicts_detect, name="conflicts_detect"),
    path("<slug:slug>/conflits/<int:pk>/decider/", views.conflict_decide, name="conflict_decide"),
    path("<slug:slug>/conflits/deports/", views.recusals, name="recusals"),
    path("<slug:slug>/conflits/deports.csv", views.recusals_csv, name="recusals_csv"),
    path("<slug:slug>/affectations/<int:number>/", views.assignments, name="assignments"),
]
