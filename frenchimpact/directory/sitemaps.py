"""Sitemaps of the published directory records (sections of the sitemap index)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.db.models import QuerySet
from django.urls import reverse

from frenchimpact.organisations.models import Organisation
from frenchimpact.projects.models import Project


class _RecordSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.6
    limit = 10_000  # per sitemap page; the index lists every page of every section
    protocol = "https" if settings.SITE_URL.startswith("https") else "http"
    url_name = ""

    def location(self, item: Organisation | Project) -> str:
        return reverse(self.url_name, args=[item.pk])

    def lastmod(self, item: Organisation | Project) -> dt.datetime:
        return item.updated_at


class OrganisationSitemap(_RecordSitemap):
    url_name = "directory:organisation"

    def items(self) -> QuerySet[Organisation]:
        return Organisation.objects.published().only("pk", "updated_at").order_by("pk")


class ProjectSitemap(_RecordSitemap):
    url_name = "directory:project"

    def items(self) -> QuerySet[Project]:
        return Project.objects.published().only("pk", "updated_at").order_by("pk")
