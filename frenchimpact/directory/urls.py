from django.urls import path

from . import views

app_name = "directory"

urlpatterns = [
    path("", views.index, name="index"),  # projects
    path("structures/", views.organisation_list, name="organisation_list"),
    path("carte/", views.region_map, name="map"),
    path("structures/<int:pk>/", views.organisation_detail, name="organisation"),
    path("projets/<int:pk>/", views.project_detail, name="project"),
]
