"""URLs under /gestion/appels/: programme staff and co-pilot signatories (namespace
"calls_staff"). Each part of the work keeps its own list."""

from django.urls import URLPattern

from .staff_applications_urls import urlpatterns as application_patterns
from .staff_review_urls import urlpatterns as review_patterns
from .staff_selection_urls import urlpatterns as selection_patterns

app_name = "calls_staff"

urlpatterns: list[URLPattern] = [*application_patterns, *review_patterns, *selection_patterns]
