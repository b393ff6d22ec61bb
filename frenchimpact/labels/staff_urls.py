from django.urls import URLPattern

app_name = "label_staff"

urlpatterns: list[URLPattern] = []
