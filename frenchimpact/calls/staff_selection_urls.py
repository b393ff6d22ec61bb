"""Staff URLs (selection) under /gestion/appels/, gathered in staff_urls.py (namespace "calls_staff")."""

from django.urls import URLPattern, path  # noqa: F401

urlpatterns: list[URLPattern] = []
