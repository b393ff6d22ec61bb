from django.urls import path

from . import views

app_name = "projects"

urlpatterns = [
    path("nouveau/", views.create, name="create"),
    path("<int:pk>/modifier/", views.edit, name="edit"),
]
