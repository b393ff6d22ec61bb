from django.urls import path, re_path

from . import views

app_name = "accounts"

urlpatterns = [
    path("profil/", views.profile, name="profile"),
    path("profil/modifier/", views.profile_edit, name="profile_edit"),
    path("profil/mes-donnees/", views.personal_data_export, name="personal_data_export"),
    path("profil/supprimer/", views.account_delete, name="delete"),
    # Same path as allauth's "account_confirm_email" (reversed as such): this pattern is
    # included first, so it serves the page; see views.ConfirmEmailView.
    re_path(
        r"^confirm-email/(?P<key>[-:\w]+)/$", views.ConfirmEmailView.as_view(), name="confirm_email"
    ),
]
