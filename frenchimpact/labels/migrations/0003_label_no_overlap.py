"""A holder never has two non-revoked labels of one kind with overlapping validity.

PostgreSQL: an exclusion constraint over daterange(valid_from, valid_until, '[)') (btree_gist
for the equality on holder and kind). SQLite has no exclusion constraint: two triggers abort an
insert or update that would overlap. Revoked labels are left out on both databases: once a label
is revoked, the holder may be labelled again for the same period.

Caution (SQLite): a later migration that rebuilds labels_label (Django remakes the table for
most ALTERs) drops these triggers and must create them again; tests/labels/test_constraints.py
fails if they are missing.
"""

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateRangeField, RangeOperators
from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations, models

CONSTRAINT_NAME = "label_no_overlapping_validity"
REVOKED = "revoque"

SQLITE_OVERLAP = (
    "EXISTS (SELECT 1 FROM labels_label other WHERE other.holder_id = NEW.holder_id "
    "AND other.kind = NEW.kind AND other.status != 'revoque' AND other.id != NEW.id "
    "AND other.valid_from < NEW.valid_until AND NEW.valid_from < other.valid_until)"
)
SQLITE_CREATE = [
    f"""CREATE TRIGGER label_no_overlap_insert BEFORE INSERT ON labels_label
    WHEN NEW.status != 'revoque' AND {SQLITE_OVERLAP.replace("AND other.id != NEW.id ", "")}
    BEGIN SELECT RAISE(ABORT, '{CONSTRAINT_NAME}'); END;""",
    f"""CREATE TRIGGER label_no_overlap_update
    BEFORE UPDATE OF holder_id, kind, status, valid_from, valid_until ON labels_label
    WHEN NEW.status != 'revoque' AND {SQLITE_OVERLAP}
    BEGIN SELECT RAISE(ABORT, '{CONSTRAINT_NAME}'); END;""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS label_no_overlap_insert;",
    "DROP TRIGGER IF EXISTS label_no_overlap_update;",
]


class DateRange(models.Func):
    function = "DATERANGE"
    output_field = DateRangeField()


def _constraint() -> ExclusionConstraint:
    return ExclusionConstraint(
        name=CONSTRAINT_NAME,
        expressions=[
            (DateRange("valid_from", "valid_until", models.Value("[)")), RangeOperators.OVERLAPS),
            ("holder", RangeOperators.EQUAL),
            ("kind", RangeOperators.EQUAL),
        ],
        condition=~models.Q(status=REVOKED),
    )


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.add_constraint(apps.get_model("labels", "Label"), _constraint())
    elif vendor == "sqlite":
        for statement in SQLITE_CREATE:
            schema_editor.execute(statement)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.remove_constraint(apps.get_model("labels", "Label"), _constraint())
    elif vendor == "sqlite":
        for statement in SQLITE_DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("labels", "0002_label_reminder_mark")]

    operations = [
        BtreeGistExtension(),
        migrations.RunPython(forwards, backwards),
    ]
