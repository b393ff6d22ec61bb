"""The query list of `make bench-search` (bench/queries.txt), read into searches per endpoint."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl

ENDPOINTS = ("organisations", "projets")
NOT_FILTERS = {"q", "tri", "page", "taille_page"}


@dataclass(frozen=True)
class Search:
    endpoint: str  # "organisations" or "projets"
    query_string: str  # as sent: /api/v1/<endpoint>/?<query_string>
    q: str = ""
    sort: str | None = None
    page: int = 1
    page_size: int = 20
    filters: dict[str, list[str]] = field(default_factory=dict)

    @property
    def path(self) -> str:
        return f"/api/v1/{self.endpoint}/?{self.query_string}"


def read(path: Path) -> list[Search]:
    """Each line: an optional endpoint ("organisations " or "projets "), then the query string;
    without an endpoint the line is requested on both."""
    searches: list[Search] = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        endpoints: tuple[str, ...] = ENDPOINTS
        head, _, rest = line.partition(" ")
        if head in ENDPOINTS:
            endpoints, line = (head,), rest.strip()
        params = parse_qsl(line, keep_blank_values=True, strict_parsing=True)
        names = [name for name, _value in params]
        if len(names) != len(set(names)):
            raise SystemExit(f"{path}:{number}: a parameter is repeated ({line})")
        values = dict(params)
        filters = {
            name: value.split(",") for name, value in values.items() if name not in NOT_FILTERS
        }
        for endpoint in endpoints:
            searches.append(
                Search(
                    endpoint=endpoint,
                    query_string=line,
                    q=values.get("q", ""),
                    sort=values.get("tri"),
                    page=int(values.get("page", "1")),
                    page_size=int(values.get("taille_page", "20")),
                    filters=filters,
                )
            )
    return searches
