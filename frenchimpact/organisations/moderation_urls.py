from django.urls import path

from . import moderation_views as views

app_name = "moderation"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("structures/<int:pk>/", views.organisation, name="organisation"),
    path("projets/<int:pk>/", views.project, name="project"),
    path("demandes/<int:pk>/", views.join_request, name="join_request"),
    path("signalements/<int:pk>/", views.report, name="report"),
]
