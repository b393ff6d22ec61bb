from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from frenchimpact.labels.register import territory_overview

from . import selectors
from .models import Department, Region


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    """The regions and their departments (3 queries, whatever the number of rows)."""
    return render(
        request, "territories/index.html", {"regions": selectors.regions_with_departments()}
    )


@require_safe
def region_detail(request: HttpRequest, code: str) -> HttpResponse:
    """A region: its labelled support structures, territory labels, offers and projects."""
    region = get_object_or_404(Region.objects.prefetch_related("departments"), code=code)
    return render(
        request,
        "territories/territory_detail.html",
        {
            "territory": region,
            "level_label": _("Région"),
            "departments": region.departments.all(),
            "overview": territory_overview(region=region),
            "region_code": region.code,
        },
    )


@require_safe
def department_detail(request: HttpRequest, code: str) -> HttpResponse:
    """A department: the same lists as its region's page, for the department."""
    department = get_object_or_404(Department.objects.select_related("region"), code=code)
    return render(
        request,
        "territories/territory_detail.html",
        {
            "territory": department,
            "level_label": _("Département"),
            "parent_region": department.region,
            "overview": territory_overview(department=department),
            "region_code": department.region.code,
        },
    )
