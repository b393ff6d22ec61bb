from __future__ import annotations

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from frenchimpact.directory.sitemaps import OrganisationSitemap, ProjectSitemap


class StaticPagesSitemap(Sitemap):
    """The public pages that have no database object behind them."""

    changefreq = "monthly"
    protocol = "https" if settings.SITE_URL.startswith("https") else "http"
    url_names = (
        "pages:home",
        "pages:legal",
        "pages:privacy",
        "pages:accessibility",
        "pages:cookies",
        "pages:contact",
        "pages:sitemap",
    )

    def items(self) -> list[str]:
        return list(self.url_names)

    def location(self, item: str) -> str:
        return reverse(item)

    def priority(self, item: str) -> float:
        return 1.0 if item == "pages:home" else 0.5


# Other apps add their sitemap classes here, under a short section name: /sitemap.xml is an
# index of /sitemap-<section>.xml pages (50,000 URLs at most per file, so sections page).
SITEMAPS: dict[str, type[Sitemap]] = {
    "pages": StaticPagesSitemap,
    "structures": OrganisationSitemap,
    "projets": ProjectSitemap,
}
