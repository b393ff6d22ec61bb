"""Content negotiation of the API.

Its own module, importing the error class lazily: DRF reads DEFAULT_CONTENT_NEGOTIATION_CLASS
while ``rest_framework.views`` is first imported, which ``errors`` itself does; a module-level
import of ``errors`` here would make the two depend on their import order.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer


class ContentNegotiation(DefaultContentNegotiation):
    """An unknown ?format= is a bad parameter (400 naming it), not a missing resource."""

    def filter_renderers(
        self, renderers: Iterable[BaseRenderer], format: str
    ) -> list[BaseRenderer]:
        from .errors import ParameterError

        renderers = list(renderers)
        matching = [renderer for renderer in renderers if renderer.format == format]
        if not matching:
            formats = ", ".join(sorted({renderer.format for renderer in renderers}))
            raise ParameterError(
                "format",
                _("Format « %(format)s » inconnu ; formats disponibles : %(formats)s.")
                % {"format": format, "formats": formats},
            )
        return matching
