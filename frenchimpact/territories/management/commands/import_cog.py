"""Import INSEE's Code officiel géographique files: communes, then EPCI composition.

Expected layouts (UTF-8, comma-separated, header on the first line; see --help):

* ``communes``: INSEE's ``v_commune_AAAA.csv``:
  TYPECOM,COM,REG,DEP,CTCD,ARR,TNCC,NCC,NCCENR,LIBELLE,CAN,COMPARENT
  (TYPECOM, COM, DEP and LIBELLE are required; only TYPECOM=COM rows are imported).
* ``epci``: the sheet "Composition_communale" of INSEE's "Intercommunalité – Métropole au
  01-01-AAAA" file exported as CSV without its title lines, with the NATURE_EPCI column of
  sheet "EPCI" added: CODGEO,LIBGEO,EPCI,LIBEPCI,NATURE_EPCI[,DEP,REG]
  (EPCI, LIBEPCI, NATURE_EPCI and CODGEO are required, in any order).
"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from frenchimpact.territories.services import (
    ImportFormatError,
    ImportReport,
    communes_import,
    epcis_import,
)

MAX_REJECTED_SHOWN = 50


class Command(BaseCommand):
    help = (
        "Importe un fichier du Code officiel géographique de l’INSEE. "
        "« communes » : v_commune_AAAA.csv (colonnes TYPECOM, COM, DEP, LIBELLE requises). "
        "« epci » : composition communale des EPCI (colonnes EPCI, LIBEPCI, NATURE_EPCI, "
        "CODGEO requises). Idempotente ; les lignes invalides sont rejetées et listées."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=["communes", "epci"], help="type de fichier")
        parser.add_argument("path", type=Path, help="chemin du fichier CSV")
        parser.add_argument("--encoding", default="utf-8-sig", help="défaut : utf-8-sig")
        parser.add_argument("--delimiter", default=",", help="séparateur (défaut : virgule)")
        parser.add_argument(
            "--batch-size", type=int, default=1000, help="lignes par transaction (défaut : 1000)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        importer = communes_import if options["kind"] == "communes" else epcis_import
        try:
            with path.open(encoding=options["encoding"], newline="") as file:
                report = importer(
                    file=file, delimiter=options["delimiter"], batch_size=options["batch_size"]
                )
        except OSError as error:
            raise CommandError(
                _("Impossible de lire %(path)s : %(error)s")
                % {"path": path, "error": error.strerror}
            ) from error
        except UnicodeDecodeError as error:
            raise CommandError(
                _(
                    "%(path)s n’est pas en %(encoding)s (octet %(position)d) : "
                    "précisez --encoding (par exemple latin-1)."
                )
                % {"path": path, "encoding": options["encoding"], "position": error.start}
            ) from error
        except ImportFormatError as error:
            raise CommandError(
                _("%(path)s : %(error)s Rien n’a été importé.") % {"path": path, "error": error}
            ) from error
        self._print_report(options["kind"], report)

    def _print_report(self, kind: str, report: ImportReport) -> None:
        self.stdout.write(
            _(
                "%(read)d ligne(s) lue(s). %(what)s : %(created)d créée(s), "
                "%(updated)d mise(s) à jour, %(unchanged)d inchangée(s)."
            )
            % {
                "read": report.read,
                "what": _("communes") if kind == "communes" else _("EPCI"),
                "created": report.created,
                "updated": report.updated,
                "unchanged": report.unchanged,
            }
        )
        if kind == "communes":
            self.stdout.write(
                _("%(count)d ligne(s) ignorée(s) (COMA, COMD, ARM).") % {"count": report.skipped}
            )
        else:
            self.stdout.write(
                _("%(count)d commune(s) changée(s) d’EPCI.") % {"count": report.memberships_changed}
            )
        if not report.rejected:
            self.stdout.write(self.style.SUCCESS(_("Aucune ligne rejetée.")))
            return
        self.stderr.write(_("%(count)d ligne(s) rejetée(s) :") % {"count": len(report.rejected)})
        for row in report.rejected[:MAX_REJECTED_SHOWN]:
            self.stderr.write(
                _("  ligne %(line)d : %(reason)s") % {"line": row.line, "reason": row.reason}
            )
        if len(report.rejected) > MAX_REJECTED_SHOWN:
            self.stderr.write(
                _("  … et %(count)d autre(s).")
                % {"count": len(report.rejected) - MAX_REJECTED_SHOWN}
            )
