"""Staff URLs (applications) under /gestion/appels/, gathered in staff_urls.py (namespace "calls_staff")."""

from django.urls import URLPattern, path

from . import staff_application_views as views

urlpatterns: list[URLPattern] = [
    path("", views.call_list, name="call_list"),
    path("candidatures/<int:pk>/", views.application_detail, name="application_detail"),
    path(
        "candidatures/<int:pk>/recevabilite/",
        views.application_admissibility,
        name="application_admissibility",
    ),
    path(
        "candidatures/<int:pk>/complement/",
        views.application_request_completion,
        name="application_request_completion",
    ),
    path(
        "candidatures/<int:pk>/cloture/",
        views.application_close_incomplete,
        name="application_close_incomplete",
    ),
    path("<slug:slug>/", views.call_dashboard, name="call_dashboard"),
    path("<slug:slug>/publier/", views.call_publish, name="call_publish"),
    path("<slug:slug>/candidatures/", views.application_list, name="application_list"),
    path("<slug:slug>/export/<str:dataset>.<str:fmt>", views.export, name="export"),
]
