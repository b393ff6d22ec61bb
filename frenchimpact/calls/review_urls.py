"""URLs under /jury/: the reviewers' pages (namespace "jury")."""

from django.urls import URLPattern, path  # noqa: F401

app_name = "jury"

urlpatterns: list[URLPattern] = []
