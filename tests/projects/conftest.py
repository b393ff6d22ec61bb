"""The projects tests use the organisations tests' fixtures (one definition)."""

from ..organisations.conftest import admin_member, organisation, staff, territories, user  # noqa: F401
