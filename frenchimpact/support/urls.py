"""Support structures and their offers, under /accompagnement/.

Public: offers (search), offer (detail). Signed in: offer_request. Members of the provider
organisation: the rest.
"""

from django.urls import path

from . import views

app_name = "support"

urlpatterns = [
    path("offres/", views.offers, name="offers"),
    path("offres/<int:pk>/", views.offer_detail, name="offer"),
    path("offres/<int:pk>/demander/", views.offer_request, name="offer_request"),
    path("offres/<int:pk>/modifier/", views.offer_edit, name="offer_edit"),
    path("offres/<int:pk>/suspendre/", views.offer_suspend, name="offer_suspend"),
    path("offres/<int:pk>/reactiver/", views.offer_reactivate, name="offer_reactivate"),
    path("offres/<int:pk>/archiver/", views.offer_archive, name="offer_archive"),
    path("structures/<int:pk>/", views.offers_manage, name="offers_manage"),
    path("structures/<int:pk>/profil/", views.profile_edit, name="profile_edit"),
    path("structures/<int:pk>/offres/nouvelle/", views.offer_create, name="offer_create"),
    path("boite/<int:pk>/", views.inbox, name="inbox"),
    path("demandes/<int:pk>/", views.request_detail, name="request"),
]
