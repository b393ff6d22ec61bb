from django.urls import path

from . import views

app_name = "territories"

urlpatterns = [
    path("", views.index, name="index"),
    path("regions/<str:code>/", views.region_detail, name="region"),
    path("departements/<str:code>/", views.department_detail, name="department"),
]
