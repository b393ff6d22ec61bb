from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from . import selectors


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    """The regions and their departments (3 queries, whatever the number of rows)."""
    return render(
        request, "territories/index.html", {"regions": selectors.regions_with_departments()}
    )
