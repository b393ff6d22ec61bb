"""Public call pages and the applicant's pages (to be written)."""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse


def _todo(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


call_list = call_detail = application_list = application_detail = application_edit = _todo
application_autosave = application_upload = application_submit = application_receipt = _todo
application_withdraw = application_file = application_create = _todo
