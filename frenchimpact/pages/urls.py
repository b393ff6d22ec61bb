from django.urls import path
from django.views.generic import TemplateView

app_name = "pages"

urlpatterns = [
    path("", TemplateView.as_view(template_name="pages/home.html"), name="home"),
    path("mentions-legales/", TemplateView.as_view(template_name="pages/legal.html"), name="legal"),
    path("donnees-personnelles/", TemplateView.as_view(template_name="pages/privacy.html"), name="privacy"),
    path("accessibilite/", TemplateView.as_view(template_name="pages/accessibility.html"), name="accessibility"),
    path("cookies/", TemplateView.as_view(template_name="pages/cookies.html"), name="cookies"),
    path("contact/", TemplateView.as_view(template_name="pages/contact.html"), name="contact"),
    path("plan-du-site/", TemplateView.as_view(template_name="pages/sitemap.html"), name="sitemap"),
]
