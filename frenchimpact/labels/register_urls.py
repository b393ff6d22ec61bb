"""The public register of labels (namespace "label_register"), mounted under /labels/."""

from django.urls import path

from . import register

app_name = "label_register"

urlpatterns = [
    path("", register.register_list, name="list"),
    path("verifier/<uuid:token>/", register.verify, name="verify"),
    path("verifier/<uuid:token>/certificat/", register.certificate, name="certificate"),
]
