"""Open data, mounted at /donnees/ (namespace "opendata"); every page is public."""

from django.urls import path, re_path

from . import views

app_name = "opendata"

urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:dataset>/", views.detail, name="detail"),
    path("<slug:dataset>/schema.json", views.schema, name="schema"),
    path("<slug:dataset>/datapackage.json", views.datapackage, name="datapackage"),
    re_path(
        r"^(?P<dataset>[-a-z0-9]+)/latest\.(?P<fmt>csv|json|geojson)$",
        views.latest_file,
        name="latest",
    ),
    re_path(
        r"^(?P<dataset>[-a-z0-9]+)/(?P<day>[0-9]{4}-[0-9]{2}-[0-9]{2})\.(?P<fmt>csv|json|geojson)$",
        views.snapshot_file,
        name="snapshot",
    ),
]
