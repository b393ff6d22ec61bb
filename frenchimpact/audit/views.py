from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from frenchimpact.permissions import can_view_audit_history

from .selectors import audit_history


def history(request: HttpRequest, content_type_id: int, object_id: str) -> HttpResponse:
    """Per-object audit history, for programme staff and administrators."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not can_view_audit_history(request.user):
        raise PermissionDenied
    content_type = get_object_or_404(ContentType, pk=content_type_id)
    entries = audit_history(content_type=content_type, object_id=object_id)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    if not page.object_list and page.number == 1:
        raise Http404(_("Aucun historique pour cet objet."))
    model = content_type.model_class()
    current = None
    if model is not None:
        current = model._default_manager.filter(pk=object_id).first() if object_id else None
    return render(
        request,
        "audit/history.html",
        {
            "content_type": content_type,
            "object_id": object_id,
            "object_label": str(current)
            if current is not None
            else page.object_list[0].object_repr,
            "object_exists": current is not None,
            "page": page,
        },
    )
