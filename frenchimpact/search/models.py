"""The search index: one entry per searchable record, and its facet values.

The full-text part lives beside these tables and is specific to the database engine
(see migrations/0002 and engine.py): an FTS5 table on SQLite, a tsvector column and its GIN
index on PostgreSQL. Django never reads it through the ORM.
"""

from __future__ import annotations

from django.db import models


class SearchEntry(models.Model):
    kind = models.CharField(max_length=20)
    object_id = models.BigIntegerField()
    # Normalised text (lowercase, no diacritics, words separated by single spaces).
    title = models.CharField(max_length=500)
    text = models.TextField(blank=True)
    sort_key = models.CharField(max_length=255, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    # When the entry was last written: any re-index bumps it, so the API's validators see
    # changes of related rows (an organisation's name shown with its projects) too.
    indexed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="search_entry_once"),
        ]
        indexes = [
            models.Index(fields=["kind", "sort_key", "id"], name="search_entry_name"),
            models.Index(fields=["kind", "-published_at", "id"], name="search_entry_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.object_id}"


class SearchFacet(models.Model):
    entry = models.ForeignKey(SearchEntry, on_delete=models.CASCADE, related_name="facet_values")
    kind = models.CharField(max_length=20)  # copied from the entry: counts over a whole kind
    facet = models.CharField(max_length=30)
    value = models.CharField(max_length=50)

    class Meta:
        indexes = [
            # Facet counts (GROUP BY value) and filters (entries having a value) are index scans.
            models.Index(fields=["kind", "facet", "value", "entry"], name="search_facet_lookup"),
        ]

    def __str__(self) -> str:
        return f"{self.facet}={self.value}"


class SearchChange(models.Model):
    """One entry of the change log that every node's embedded index applies in id order.

    Rows are appended in the transaction of the change itself (a rollback leaves none, a
    commit cannot lose them) and pruned after SEARCH_CHANGE_RETENTION_DAYS; the oldest kept
    row then becomes a ``pruned`` marker, so that a node further behind knows to rebuild.
    """

    class Action(models.TextChoices):
        RELOAD = "reload"  # re-read the record through the source (organisations, projects)
        INDEX = "index"  # add or replace the document held in ``document``
        REMOVE = "remove"
        PRUNED = "pruned"  # every row before this one was deleted

    id = models.BigAutoField(primary_key=True)
    kind = models.CharField(max_length=20)
    object_id = models.BigIntegerField()
    action = models.CharField(max_length=10, choices=Action.choices)
    document = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} {self.kind} #{self.object_id}"
