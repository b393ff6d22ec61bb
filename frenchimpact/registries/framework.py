"""Streaming, resumable, batched imports of registry and partner files.

An importer (SIRENE, RNA, partner projects…) only says which headers it accepts and what a
batch of rows becomes; this module does the rest, the same way for all:

* **reading** — plain, ``.gz`` or ``.zip`` (first member), decompressed as a stream; the
  encoding (UTF-8, with or without BOM, else Latin-1) and the delimiter (``,`` ``;`` tab ``|``)
  are detected on the first bytes unless given; rows come as (line number, fields);
* **checks before writing** — the header is validated by the importer (a header from another
  file stops the import at once, naming the columns); a row whose field count differs from the
  header's is rejected with its line number, never shifted into the wrong columns;
* **batches** — each batch is one transaction: its writes, its rejected rows
  (``ImportReject``), the run's counters and checkpoint (``last_line``) and one audit entry;
  an interruption loses nothing already reported, and re-running the same file (same SHA-256)
  resumes after the checkpoint;
* **report** — rows read, created, updated, unchanged, skipped by reason, rejected; the
  rejects as a CSV with line numbers and reasons (formula-like text neutralised);
* **fast scanning** (optional) — an importer of a huge file of which it keeps few rows (the
  SIRENE stock: ~5 % ESS) may also define ``scan(stream, …)``: it reads the raw bytes after the
  header and yields only the rows worth checking, plus ``Tally`` items accounting for the rows
  it skipped (by reason, up to a line); the framework batches, checkpoints and reports them the
  same way (see ``Scanner``).
"""

from __future__ import annotations

import codecs
import csv
import gzip
import hashlib
import io
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from frenchimpact.audit.services import audit_record
from frenchimpact.core.dbstats import refresh_statistics
from frenchimpact.core.spreadsheets import spreadsheet_safe

from .models import ImportReject, ImportRun, ImportStatus

Row = tuple[int, list[str]]  # (line number in the file, fields)
DELIMITERS = ",;\t|"
SNIFF_BYTES = 64 * 1024
csv.field_size_limit(10 * 1024 * 1024)


class ImportFileError(Exception):
    """The file cannot be imported at all (unreadable, corrupted, wrong header, empty): the
    message is French and says what to do; nothing of it was written."""


@dataclass
class BatchResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    rejects: list[tuple[int, str, str]] = field(default_factory=list)  # (line, reason, raw)
    # Extra facts for the batch's audit entry (e.g. the organisations unpublished).
    audit: dict[str, Any] = field(default_factory=dict)

    def reject(self, line: int, reason: str, fields: list[str] | str) -> None:
        raw = fields if isinstance(fields, str) else ";".join(fields)
        # PostgreSQL stores no NUL character in text (a corrupted file may hold some).
        raw = raw.replace("\x00", "\ufffd")
        self.rejects.append((line, reason[:300], raw[:2000]))


class Importer(Protocol):
    kind: str

    def check_header(self, header: list[str]) -> None:
        """Raise ImportFileError (French, naming the columns) if the header is not one this
        importer reads; may remember the column positions."""

    def process(self, rows: list[Row], run: ImportRun) -> BatchResult:
        """Write one batch (inside the caller's transaction) and say what became of each row."""


@dataclass
class Tally:
    """Rows a scanner skipped without yielding them: every line up to ``last_line`` that was
    not yielded is accounted for in ``skipped`` (reason -> count)."""

    last_line: int
    skipped: Counter[str] = field(default_factory=Counter)


class Scanner(Protocol):
    """The optional fast path of an importer (``scan`` next to ``check_header``/``process``)."""

    def scan(
        self,
        stream: Any,
        *,
        encoding: str,
        delimiter: str,
        width: int,
        first_line: int,
        after_line: int,
        every: int,
    ) -> Iterator[Row | Tally]:
        """Read the raw bytes after the header (``first_line`` is the number of the first line
        in ``stream``) and yield, in line order, the rows to process and Tally items for the
        rows skipped; lines up to ``after_line`` are neither yielded nor counted (resumption).
        Yield a Tally at least after every ``every`` rows and at the end. Truncation errors
        are reported by ``read_chunks``."""
        ...


# --- Reading ---------------------------------------------------------------------------------


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


@contextmanager
def open_binary(path: Path) -> Iterator[Any]:
    """The decompressed byte stream of ``path`` (.gz, .zip's first member, or plain)."""
    try:
        with path.open("rb") as raw:
            magic = raw.read(4)
            raw.seek(0)
            if magic[:2] == b"\x1f\x8b":
                with gzip.GzipFile(fileobj=raw) as stream:
                    yield stream
            elif magic == b"PK\x03\x04":
                with zipfile.ZipFile(raw) as archive:
                    members = [i for i in archive.infolist() if not i.is_dir()]
                    if not members:
                        raise ImportFileError(_("L’archive ZIP ne contient aucun fichier."))
                    with archive.open(members[0]) as stream:
                        yield stream
            else:
                yield raw
    except FileNotFoundError as error:
        raise ImportFileError(_("Fichier introuvable : %(path)s") % {"path": path}) from error
    except zipfile.BadZipFile as error:
        raise ImportFileError(
            _("L’archive ZIP est illisible ou tronquée (%(error)s).") % {"error": error}
        ) from error


def detect_encoding(head: bytes) -> str:
    """UTF-8 (BOM stripped) when the first bytes decode as UTF-8, else Latin-1."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        # A multi-byte character may be cut at the end of the sample.
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(head) - 3:
            return "latin-1"
    return "utf-8"


def detect_delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    if counts[best] == 0:
        raise ImportFileError(
            _(
                "Impossible de reconnaître le séparateur de colonnes (virgule, point-virgule, "
                "tabulation ou barre verticale) sur la première ligne."
            )
        )
    return best


@contextmanager
def open_stream(
    path: Path, *, encoding: str | None = None, delimiter: str | None = None
) -> Iterator[tuple[list[str], Any, dict[str, str]]]:
    """(header, byte stream positioned after the header line, detected {"encoding",
    "delimiter"}) of a CSV file."""
    with open_binary(path) as binary:
        buffered = io.BufferedReader(binary, buffer_size=SNIFF_BYTES)
        try:
            head = buffered.peek(SNIFF_BYTES)[:SNIFF_BYTES]
            first_bytes = buffered.readline() if head.strip() else b""
        except (OSError, EOFError, zlib_error()) as error:
            raise ImportFileError(
                _("Le fichier est illisible ou l’archive est corrompue (%(error)s).")
                % {"error": error}
            ) from error
        if not head.strip():
            raise ImportFileError(_("Le fichier est vide."))
        encoding = encoding or detect_encoding(head)
        first = first_bytes.decode(encoding, errors="replace")
        delimiter = delimiter or detect_delimiter(first.splitlines()[0] if first else "")
        fields = next(csv.reader([first], delimiter=delimiter), [])
        header = [name.strip().lstrip("\ufeff") for name in fields]
        yield header, buffered, {"encoding": encoding, "delimiter": delimiter}


def read_chunks(
    stream: Any, *, first_line: int, chunk_size: int = 8 * 1024 * 1024
) -> Iterator[tuple[int, bytes]]:
    """(number of the chunk's first line, bytes of whole lines ending with a newline) of
    ``stream``; a truncated or corrupted archive raises ImportFileError naming the line."""
    line = first_line
    rest = b""
    while True:
        try:
            data = stream.read(chunk_size)
        except (OSError, EOFError, zlib_error()) as error:
            raise ImportFileError(
                _(
                    "Le fichier s’interrompt vers la ligne %(line)d : archive tronquée ou "
                    "corrompue (%(error)s). Ce qui précède est importé ; relancez avec un "
                    "fichier complet pour reprendre."
                )
                % {"line": line + rest.count(b"\n"), "error": error}
            ) from error
        if not data:
            if rest:
                yield line, rest + b"\n"
            return
        data = rest + data
        cut = data.rfind(b"\n") + 1
        if cut == 0:
            rest = data
            continue
        rest = data[cut:]
        chunk = data[:cut]
        yield line, chunk
        line += chunk.count(b"\n")


@contextmanager
def open_rows(
    path: Path, *, encoding: str | None = None, delimiter: str | None = None
) -> Iterator[tuple[list[str], Iterator[Row], dict[str, str]]]:
    """(header, rows, detected {"encoding", "delimiter"}) of a CSV file, streamed."""
    with open_stream(path, encoding=encoding, delimiter=delimiter) as (header, binary, found):
        encoding = found["encoding"]
        text = io.TextIOWrapper(binary, encoding=encoding, newline="")
        reader = csv.reader(text, delimiter=found["delimiter"])

        def rows() -> Iterator[Row]:
            try:
                for fields in reader:
                    if fields:
                        yield reader.line_num + 1, fields  # + the header line
            except UnicodeDecodeError as error:
                raise ImportFileError(
                    _(
                        "Caractère illisible en %(encoding)s vers la ligne %(line)d : précisez "
                        "l’encodage (--encoding latin-1 ou utf-8)."
                    )
                    % {"encoding": encoding, "line": reader.line_num + 2}
                ) from error
            except (OSError, EOFError, zlib_error()) as error:
                raise ImportFileError(
                    _(
                        "Le fichier s’interrompt vers la ligne %(line)d : archive tronquée ou "
                        "corrompue (%(error)s). Ce qui précède est importé ; relancez avec un "
                        "fichier complet pour reprendre."
                    )
                    % {"line": reader.line_num + 2, "error": error}
                ) from error
            except csv.Error as error:
                raise ImportFileError(
                    _("Ligne %(line)d mal formée (%(error)s).")
                    % {"line": reader.line_num + 1, "error": error}
                ) from error

        yield header, rows(), found


def zlib_error() -> type[Exception]:
    import zlib

    return zlib.error


# --- Running ---------------------------------------------------------------------------------


def run_import(
    importer: Importer,
    path: Path,
    *,
    actor: Any = None,
    batch_size: int = 5000,
    dry_run: bool = False,
    encoding: str | None = None,
    delimiter: str | None = None,
    progress: Callable[[ImportRun], None] | None = None,
) -> ImportRun:
    """Import ``path`` with ``importer``; returns the run (its report). Raises
    ImportFileError when the file cannot be imported at all (the run is then recorded as
    failed with the message; batches committed before stay, and a re-run resumes)."""
    digest = file_sha256(path) if path.exists() else ""
    run = None
    if not dry_run:
        run = (
            ImportRun.objects.filter(kind=importer.kind, file_sha256=digest, dry_run=False)
            .exclude(status=ImportStatus.COMPLETED)
            .order_by("-started_at")
            .first()
        )
    resumed = run is not None
    if run is None:
        run = ImportRun(
            kind=importer.kind,
            file_name=path.name,
            file_sha256=digest,
            file_size=path.stat().st_size if path.exists() else 0,
            dry_run=dry_run,
            started_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
    run.status = ImportStatus.RUNNING
    run.options = {"batch_size": batch_size, "encoding": encoding, "delimiter": delimiter}
    if not dry_run:
        run.save()
    try:
        if callable(getattr(importer, "scan", None)):
            _run_scanner(
                importer, run, path, actor, batch_size, dry_run, encoding, delimiter, progress
            )
        else:
            with open_rows(path, encoding=encoding, delimiter=delimiter) as (
                header,
                rows,
                found,
            ):
                importer.check_header(header)
                run.options = {**run.options, **found}
                batch: list[Row] = []
                for line, fields in rows:
                    if line <= run.last_line:
                        continue  # committed by an earlier, interrupted run
                    batch.append((line, fields))
                    if len(batch) >= batch_size:
                        _commit(importer, run, batch, header, actor, dry_run)
                        batch = []
                        if progress:
                            progress(run)
                if batch:
                    _commit(importer, run, batch, header, actor, dry_run)
    except ImportFileError as error:
        run.status = ImportStatus.FAILED
        run.message = str(error)
        run.finished_at = timezone.now()
        if not dry_run:
            run.save()
        raise
    run.status = ImportStatus.COMPLETED
    run.finished_at = timezone.now()
    if resumed:
        run.message = (
            _("Reprise après une interruption (à partir de la ligne %(line)d).")
            % {"line": run.last_line}
            if not run.message
            else run.message
        )
    if not dry_run:
        run.save()
        refresh_statistics()  # a first import can change a table's size a thousandfold
    return run


def _run_scanner(
    importer: Any,
    run: ImportRun,
    path: Path,
    actor: Any,
    batch_size: int,
    dry_run: bool,
    encoding: str | None,
    delimiter: str | None,
    progress: Callable[[ImportRun], None] | None,
) -> None:
    """The fast path: the importer's scanner yields the rows worth processing and tallies of
    the others; a batch is committed at a tally (so the checkpoint covers the skipped rows
    too) once it holds ``batch_size`` rows or accounts for many skipped lines."""
    with open_stream(path, encoding=encoding, delimiter=delimiter) as (header, stream, found):
        importer.check_header(header)
        run.options = {**run.options, **found}
        batch: list[Row] = []
        tally = Tally(last_line=run.last_line)
        for item in importer.scan(
            stream,
            encoding=found["encoding"],
            delimiter=found["delimiter"],
            width=len(header),
            first_line=2,
            after_line=run.last_line,
            every=batch_size,
        ):
            if isinstance(item, Tally):
                tally.last_line = max(tally.last_line, item.last_line)
                tally.skipped.update(item.skipped)
                if len(batch) >= batch_size or tally.skipped.total() >= batch_size * 50:
                    _commit(importer, run, batch, header, actor, dry_run, tally)
                    batch, tally = [], Tally(last_line=run.last_line)
                    if progress:
                        progress(run)
            else:
                batch.append(item)
        if batch or tally.skipped:
            _commit(importer, run, batch, header, actor, dry_run, tally)
        if progress:
            progress(run)


class _DryRun(Exception):
    pass


def _relax_commit_flush() -> None:
    """PostgreSQL: this batch's commit does not wait for its WAL flush (`SET LOCAL`, this
    transaction only). A server crash may lose the last batches' commits, never part of one:
    the checkpoint (`last_line`) is in the same transaction, so a re-run redoes exactly what
    was lost; the other transactions of the platform keep full durability."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")


def _commit(
    importer: Importer,
    run: ImportRun,
    batch: list[Row],
    header: list[str],
    actor: Any,
    dry_run: bool,
    tally: Tally | None = None,
) -> None:
    width = len(header)
    first_line = run.last_line + 1
    good: list[Row] = []
    result = BatchResult()
    # An importer whose files hold personal data masks it before a row is kept as rejected.
    redact = getattr(importer, "redact", None)
    for line, fields in batch:
        if len(fields) != width:
            result.reject(
                line,
                _("%(count)d champs au lieu de %(width)d (ligne décalée ou coupée)")
                % {"count": len(fields), "width": width},
                redact(fields) if redact else fields,
            )
        else:
            good.append((line, fields))
    try:
        with transaction.atomic():
            _relax_commit_flush()
            processed = importer.process(good, run)
            result.created += processed.created
            result.updated += processed.updated
            result.unchanged += processed.unchanged
            result.skipped.update(processed.skipped)
            result.rejects.extend(processed.rejects)
            result.audit.update(processed.audit)
            if tally is not None:
                result.skipped.update(tally.skipped)
            run.rows_read += len(batch) + (tally.skipped.total() if tally else 0)
            run.created += result.created
            run.updated += result.updated
            run.unchanged += result.unchanged
            skipped = Counter(run.skipped or {})
            skipped.update(result.skipped)
            run.skipped = dict(skipped)
            run.rejected += len(result.rejects)
            run.last_line = max(
                batch[-1][0] if batch else 0, tally.last_line if tally else 0, run.last_line
            )
            if dry_run:
                raise _DryRun
            ImportReject.objects.bulk_create(
                [
                    ImportReject(run=run, line=line, reason=reason, raw=raw)
                    for line, reason, raw in result.rejects
                ]
            )
            run.save()
            audit_record(
                actor=actor,
                action=f"import.{run.kind}.batch",
                obj=run,
                after={
                    "lignes": [first_line, run.last_line],
                    "creees": result.created,
                    "mises_a_jour": result.updated,
                    "inchangees": result.unchanged,
                    "ignorees": dict(result.skipped),
                    "rejetees": len(result.rejects),
                    **result.audit,
                },
            )
    except _DryRun:
        pass


def rejects_csv(run: ImportRun) -> Iterator[str]:
    """The rejected rows of a run as CSV lines (line, reason, content), streamed."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_("ligne"), _("motif"), _("contenu")])
    yield buffer.getvalue()
    for line, reason, raw in (
        run.rejects.order_by("line").values_list("line", "reason", "raw").iterator(chunk_size=2000)
    ):
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([line, spreadsheet_safe(reason), spreadsheet_safe(raw)])
        yield buffer.getvalue()


def report_lines(run: ImportRun) -> list[str]:
    """The final report, in French, one line per figure."""
    lines = [
        _(
            "%(read)d ligne(s) lue(s) : %(created)d créée(s), %(updated)d mise(s) à jour, "
            "%(unchanged)d inchangée(s), %(skipped)d ignorée(s), %(rejected)d rejetée(s)."
        )
        % {
            "read": run.rows_read,
            "created": run.created,
            "updated": run.updated,
            "unchanged": run.unchanged,
            "skipped": run.skipped_total,
            "rejected": run.rejected,
        }
    ]
    for reason, count in sorted((run.skipped or {}).items(), key=lambda kv: -int(kv[1])):
        lines.append(_("  ignorées — %(reason)s : %(count)d") % {"reason": reason, "count": count})
    return lines
