from django.contrib.sitemaps import views as sitemap_views
from django.urls import path
from django.views.generic import TemplateView

from . import views
from .sitemaps import SITEMAPS

app_name = "pages"

urlpatterns = [
    path("", TemplateView.as_view(template_name="pages/home.html"), name="home"),
    path(
        "mentions-legales/",
        views.LegalPageView.as_view(template_name="pages/legal.html"),
        name="legal",
    ),
    path(
        "donnees-personnelles/",
        views.LegalPageView.as_view(template_name="pages/privacy.html"),
        name="privacy",
    ),
    path(
        "accessibilite/",
        views.LegalPageView.as_view(template_name="pages/accessibility.html"),
        name="accessibility",
    ),
    path("cookies/", views.CookiesView.as_view(), name="cookies"),
    path("contact/", views.contact, name="contact"),
    path("plan-du-site/", TemplateView.as_view(template_name="pages/sitemap.html"), name="sitemap"),
    path(
        "sitemap.xml",
        sitemap_views.index,
        {"sitemaps": SITEMAPS, "sitemap_url_name": "pages:sitemap_section"},
        name="sitemap_xml",
    ),
    path(
        "sitemap-<section>.xml",
        sitemap_views.sitemap,
        {"sitemaps": SITEMAPS},
        name="sitemap_section",
    ),
    path("robots.txt", views.robots_txt, name="robots_txt"),
]
