"""Staff pages of imports, mounted at /gestion/imports/ (namespace "imports")."""

from django.urls import URLPattern, path

from . import views

app_name = "imports"

urlpatterns: list[URLPattern] = [
    path("", views.history, name="history"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/rejets.csv", views.rejects_download, name="rejects"),
]
