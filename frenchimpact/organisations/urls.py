"""Member-side pages of organisations (registration, membership, edits, reports).

The names dashboard, declare, join and report are the contract other apps link to.
"""

from django.urls import path

from . import views

app_name = "organisations"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("declarer/", views.declare, name="declare"),
    path("creer/", views.create, name="create"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/modifier/", views.edit, name="edit"),
    path("<int:pk>/charte/", views.charter, name="charter"),
    path("<int:pk>/membres/", views.members, name="members"),
    path("<int:pk>/rejoindre/", views.join, name="join"),
    path("<int:pk>/signaler/", views.report, name="report"),
    path("demandes/<int:pk>/", views.join_request, name="join_request"),
]
