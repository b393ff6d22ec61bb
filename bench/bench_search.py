"""Search at national scale, through the directory API, against a tantivy reference.

1. Dataset: SCALE organisations (default 1,000,000) and BENCH_SEARCH_PROJECTS projects
   (default 0.3 × SCALE) of synthetic French text with a Zipf word distribution and the real
   facet values (``search_dataset.py``), all published. Generated once into
   ``var/bench/search-<scale>/`` (CSV files, plus a ready SQLite database) and reused.
2. Database: SQLite (a copy of the cached database in a fresh VAR_DIR), or PostgreSQL when
   DATABASE_URL is set: a database of its own (BENCH_SEARCH_DB, default bench_helpd_search)
   created, migrated, loaded with COPY, and dropped at the end (BENCH_SEARCH_KEEP_DB=1 keeps
   it). Other databases are never touched.
3. Index build: times ``manage.py rebuild_search_index`` (whatever engine is configured).
4. Reference: a plain tantivy index of the same documents (``search_reference.py``, cached),
   queried in process: top-k plus exact count, facet filters as term filters.
5. Serving: gunicorn (BENCH_SEARCH_WORKERS sync workers, default 2) on loopback with the
   production settings (DEBUG off) and API throttling off (``search_settings.py``); after a
   warm-up pass, every query of ``bench/queries.txt`` is requested BENCH_SEARCH_REPEAT times
   (default 5, in rounds over the list) on ``/api/v1/organisations/`` and/or
   ``/api/v1/projets/``, facet counts included as the API returns them. A request slower than
   BENCH_SEARCH_TIMEOUT seconds (default 20) counts as that many seconds and its query is not
   asked again. The resident memory of the web processes is sampled while serving.

Prints a table per query, then one final line:
`search p95_ms=<x> p50_ms=<y> reference_p95_ms=<z> ratio=<x/z> build_s=<b> rss_mb=<m>`
where rss_mb is the peak resident memory (VmHWM) of the largest web process (a gunicorn
worker); the peak of the sum of all web processes is printed above it.
Run it with `make bench-search` (SCALE=100000 make bench-search for a smaller run).
"""

from __future__ import annotations

import json
import os
import platform
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
sys.path[:0] = [str(ROOT), str(BENCH)]

SCALE = int(os.environ.get("SCALE", "1000000"))
PROJECTS = int(os.environ.get("BENCH_SEARCH_PROJECTS", str(round(SCALE * 0.3))))
REPEAT = int(os.environ.get("BENCH_SEARCH_REPEAT", "5"))
TIMEOUT = float(os.environ.get("BENCH_SEARCH_TIMEOUT", "20"))
WORKERS = int(os.environ.get("BENCH_SEARCH_WORKERS", "2"))
PG_DATABASE = os.environ.get("BENCH_SEARCH_DB", "bench_helpd_search")
KEEP_DB = os.environ.get("BENCH_SEARCH_KEEP_DB", "") in ("1", "true", "yes")
DATABASE_URL = os.environ.get("DATABASE_URL", "")
POSTGRES = DATABASE_URL.startswith(("postgres://", "postgresql://"))
QUERIES = BENCH / "queries.txt"

_suffix = "" if round(SCALE * 0.3) == PROJECTS else f"-p{PROJECTS}"
CACHE = ROOT / "var" / "bench" / f"search-{SCALE}{_suffix}"
BASE_ENV = dict(os.environ)

# The generator and the reference read the domain's enums and reference data: set Django up
# in this process (no database access) before importing them.
os.environ.update(
    {"DJANGO_SETTINGS_MODULE": "config.settings", "DJANGO_ENV": "development", "DEBUG": "0"}
)
os.environ["VAR_DIR"] = str(CACHE / "django")
os.environ.pop("DATABASE_URL", None)
import django  # noqa: E402

django.setup()

import search_dataset as dataset  # noqa: E402
import search_queries  # noqa: E402
from search_reference import Reference  # noqa: E402


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S', time.gmtime())}] {message}", flush=True)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(var_dir: Path, database_url: str) -> dict[str, str]:
    """Production settings on loopback (no HTTPS redirect), throttling off, a private VAR_DIR."""
    return {
        **BASE_ENV,
        "DJANGO_ENV": "production",
        "DJANGO_SETTINGS_MODULE": "search_settings",
        "PYTHONPATH": os.pathsep.join([str(BENCH), str(ROOT), BASE_ENV.get("PYTHONPATH", "")]),
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "DEBUG": "0",
        "VAR_DIR": str(var_dir),
        "DATABASE_URL": database_url,
        "LOG_LEVEL": "WARNING",
    }


def manage(*args: str, env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    return done.stdout


# --- Databases ---------------------------------------------------------------------------------


def prepare_sqlite() -> tuple[dict[str, str], str]:
    """A fresh VAR_DIR holding a copy of the cached, loaded SQLite database (built once)."""
    cached = CACHE / "data.sqlite3"
    if not (CACHE / "data.sqlite3.complete").exists():
        build = CACHE / "build-sqlite"
        shutil.rmtree(build, ignore_errors=True)
        build.mkdir(parents=True)
        database = build / "frenchimpact.sqlite3"
        env = server_env(build, f"sqlite:///{database}")
        log("SQLite : migrations et territoires de référence")
        manage("migrate", "--noinput", env=env)
        manage("load_reference_data", env=env)
        start = time.perf_counter()
        dataset.load_sqlite(CACHE, database)
        log(f"SQLite : données chargées en {time.perf_counter() - start:.1f} s")
        database.replace(cached)
        shutil.rmtree(build)
        (CACHE / "data.sqlite3.complete").write_text("ok\n")
    run = CACHE / "run-sqlite"
    shutil.rmtree(run, ignore_errors=True)
    (run / "static").mkdir(parents=True)  # production static root (whitenoise warns without)
    database = run / "frenchimpact.sqlite3"
    shutil.copyfile(cached, database)
    url = f"sqlite:///{database}"
    env = server_env(run, url)
    manage("migrate", "--noinput", env=env)  # migrations added since the cache was built
    manage("createcachetable", env=env)
    return env, f"SQLite {__import__('sqlite3').sqlite_version}"


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _admin(statement: str) -> None:
    import psycopg

    url = _with_database(DATABASE_URL, "postgres")
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(statement)


def prepare_postgresql() -> tuple[dict[str, str], str]:
    """Our own database, created, migrated and loaded with COPY from the cached CSV files."""
    import psycopg

    url = _with_database(DATABASE_URL, PG_DATABASE)
    _admin(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)')
    _admin(f'CREATE DATABASE "{PG_DATABASE}"')
    run = CACHE / "run-postgresql"
    shutil.rmtree(run, ignore_errors=True)
    (run / "static").mkdir(parents=True)
    env = server_env(run, url)
    log(f"PostgreSQL : base {PG_DATABASE}, migrations et territoires de référence")
    manage("migrate", "--noinput", env=env)
    manage("load_reference_data", env=env)
    manage("createcachetable", env=env)
    start = time.perf_counter()
    dataset.load_postgresql(CACHE, url)
    log(f"PostgreSQL : données chargées (COPY) en {time.perf_counter() - start:.1f} s")
    with psycopg.connect(url) as connection:
        version = connection.execute("SHOW server_version").fetchone()
    return env, f"PostgreSQL {version[0] if version else '?'}"


# --- Memory of the web processes -----------------------------------------------------------------


def _status_kb(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


class MemorySampler(threading.Thread):
    """Samples the resident memory of gunicorn's master and workers every 200 ms."""

    def __init__(self, master: int):
        super().__init__(daemon=True)
        self.master = master
        self.stop = threading.Event()
        self.peak_sum_kb = 0
        self.peak_kb: dict[int, int] = {}

    def sample(self) -> None:
        pids = [self.master, *_children(self.master)]
        total = 0
        for pid in pids:
            rss = _status_kb(pid, "VmRSS")
            total += rss
            peak = max(rss, _status_kb(pid, "VmHWM"))
            self.peak_kb[pid] = max(self.peak_kb.get(pid, 0), peak)
        self.peak_sum_kb = max(self.peak_sum_kb, total)

    def run(self) -> None:
        while not self.stop.wait(0.2):
            self.sample()


# --- HTTP ------------------------------------------------------------------------------------------


def wait_until_up(base: str, server: subprocess.Popen[bytes], timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("gunicorn s’est arrêté au démarrage")
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("le serveur n’a pas répondu à /healthz à temps")


class Outcome:
    def __init__(self) -> None:
        self.timings: list[float] = []
        self.count: int | None = None
        self.facets: int = 0  # facets returned with counts
        self.error: str = ""
        self.timed_out = False


def request(base: str, search: search_queries.Search, outcome: Outcome) -> None:
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(base + search.path, timeout=TIMEOUT) as response:  # noqa: S310
            body = response.read()
        elapsed = (time.perf_counter() - start) * 1000
        data = json.loads(body)
        outcome.count = data["count"]
        outcome.facets = sum(1 for counts in data.get("facets", {}).values() if counts)
        outcome.timings.append(elapsed)
    except urllib.error.HTTPError as error:
        outcome.error = f"HTTP {error.code}: {error.read()[:200]!r}"
    except (TimeoutError, urllib.error.URLError) as error:
        if isinstance(error, urllib.error.URLError) and not isinstance(error.reason, TimeoutError):
            outcome.error = f"URL error: {error.reason}"
            return
        outcome.timed_out = True
        outcome.timings.append(TIMEOUT * 1000)


def serve_and_measure(
    env: dict[str, str], searches: list[search_queries.Search]
) -> tuple[list[Outcome], MemorySampler]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(
        [
            str(gunicorn),
            "config.wsgi",
            "--workers",
            str(WORKERS),
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout",
            str(int(TIMEOUT) + 30),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    sampler = MemorySampler(server.pid)
    outcomes = [Outcome() for _ in searches]
    try:
        wait_until_up(base, server)
        sampler.start()
        log(f"gunicorn ({WORKERS} workers) sur {base} : tour de chauffe")
        for search in searches:
            warm = Outcome()
            request(base, search, warm)
            if warm.timed_out:
                log(f"  délai dépassé au tour de chauffe : {search.path}")
        for round_number in range(REPEAT):
            log(f"tour {round_number + 1}/{REPEAT}")
            for search, outcome in zip(searches, outcomes, strict=True):
                if outcome.error:
                    continue
                if outcome.timed_out:  # not asked again: counted at the timeout
                    outcome.timings.append(TIMEOUT * 1000)
                    continue
                request(base, search, outcome)
        sampler.sample()
    finally:
        sampler.stop.set()
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    return outcomes, sampler


# --- Main ------------------------------------------------------------------------------------------


def main() -> None:
    searches = search_queries.read(QUERIES)
    log(
        f"jeu de données : {SCALE} structures, {PROJECTS} projets ({CACHE.relative_to(ROOT)}) ; "
        f"{len(searches)} recherches × {REPEAT}"
    )
    start = time.perf_counter()
    dataset.generate(CACHE, organisations=SCALE, projects=PROJECTS)
    log(f"jeu de données prêt en {time.perf_counter() - start:.1f} s")

    env, database = prepare_postgresql() if POSTGRES else prepare_sqlite()
    try:
        log("index : manage.py rebuild_search_index")
        start = time.perf_counter()
        output = manage("rebuild_search_index", env=env)
        build_s = time.perf_counter() - start
        log(f"index construit en {build_s:.1f} s ({output.strip()})")

        reference = Reference(CACHE / "reference")
        reference.open_or_build(CACHE)
        if reference.build_s is not None:
            log(f"index de référence tantivy construit en {reference.build_s:.1f} s")
        reference_ms: list[list[float]] = []
        reference_results: list[tuple[int, list[int]]] = []
        for search in searches:
            reference_results.append(reference.search(search))  # warm-up
        for search in searches:
            timings = []
            for _ in range(REPEAT):
                begin = time.perf_counter()
                reference.search(search)
                timings.append((time.perf_counter() - begin) * 1000)
            reference_ms.append(timings)

        outcomes, sampler = serve_and_measure(env, searches)
    finally:
        if POSTGRES and not KEEP_DB:
            _admin(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)')

    print()
    print(
        f"{'endpoint':<14} {'query':<58} {'count':>8} {'ref':>8} {'facets':>6} "
        f"{'p50 ms':>8} {'p95 ms':>8} {'ref p50':>8} {'ref p95':>8}"
    )
    all_ms: list[float] = []
    all_reference: list[float] = []
    errors = 0
    for search, outcome, timings, (ref_count, _ids) in zip(
        searches, outcomes, reference_ms, reference_results, strict=True
    ):
        all_reference += timings
        label = (
            search.query_string
            if len(search.query_string) <= 58
            else search.query_string[:55] + "…"
        )
        if outcome.error:
            errors += 1
            print(f"{search.endpoint:<14} {label:<58} ERROR {outcome.error}")
            continue
        all_ms += outcome.timings
        count = "timeout" if outcome.count is None else str(outcome.count)
        marker = "" if outcome.count in (None, ref_count) else " ≠"
        print(
            f"{search.endpoint:<14} {label:<58} {count:>8} {ref_count:>8}{marker} {outcome.facets:>6} "
            f"{statistics.median(outcome.timings):8.1f} {percentile(outcome.timings, 0.95):8.1f} "
            f"{statistics.median(timings):8.2f} {percentile(timings, 0.95):8.2f}"
        )
    timeouts = sum(1 for outcome in outcomes if outcome.timed_out)
    without_facets = sum(1 for outcome in outcomes if outcome.count and not outcome.facets)
    if without_facets:
        print(
            f"attention : {without_facets} recherches avec des résultats mais sans aucun compte "
            "de facette dans la réponse"
        )
    p95 = percentile(all_ms, 0.95) if all_ms else float("nan")
    p50 = statistics.median(all_ms) if all_ms else float("nan")
    reference_p95 = percentile(all_reference, 0.95)
    rss_mb = max(sampler.peak_kb.values(), default=0) / 1024
    print()
    from django.conf import settings

    engine = os.environ.get("SEARCH_ENGINE") or getattr(settings, "SEARCH_ENGINE", "database")
    print("≠ : compte différent de la référence (qui ne fait ni racinisation ni synonymes)")
    print(
        f"moteur {engine}, {database}, {platform.machine()} {os.cpu_count()} cœurs, Python {platform.python_version()}, "
        f"charge {' '.join(f'{load:.2f}' for load in os.getloadavg())} ; "
        f"{SCALE} structures, {PROJECTS} projets ; {len(all_ms)} requêtes HTTP "
        f"({timeouts} recherches au-delà de {TIMEOUT:.0f} s, {errors} en erreur)"
    )
    print(
        f"mémoire : pic du plus gros processus web {rss_mb:.0f} Mo, pic de la somme "
        f"(maître + {WORKERS} workers) {sampler.peak_sum_kb / 1024:.0f} Mo"
    )
    print(
        f"search p95_ms={p95:.2f} p50_ms={p50:.2f} reference_p95_ms={reference_p95:.2f} "
        f"ratio={p95 / reference_p95:.1f} build_s={build_s:.1f} rss_mb={rss_mb:.0f}"
    )
    if errors:
        sys.exit(1)


if __name__ == "__main__":
    main()
