from django.urls import URLPattern, path

from . import staff_views

app_name = "label_staff"

urlpatterns: list[URLPattern] = [
    path("", staff_views.queue, name="queue"),
    path("candidatures/<int:pk>/", staff_views.application, name="application"),
    path("labels/<int:pk>/", staff_views.label, name="label"),
]
