from django.urls import path

from . import views

app_name = "audit"

urlpatterns = [
    path("<int:content_type_id>/<str:object_id>/", views.history, name="history"),
]
