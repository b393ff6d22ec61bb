"""Consolidation and ranking of a review round.

The maths, on plain values (no database), so that it can be checked against worked examples:

* A reviewer's **total** for a file is the weighted mean, over the criteria they scored, of
  each score rescaled to 0–100 (``(value − min) / (max − min) × 100``). A missing criterion is
  left out of both the numerator and the weights: it does not count as zero.
* A file's **raw score** is the mean of the totals of its submitted reviews. Recusals and
  reviews not handed in are not reviews: they neither lower nor raise the score.
* **Normalised score**: each total becomes a z-score over that reviewer's totals in the round
  (``(total − mean) / population standard deviation``), and a file's normalised score is the
  mean of its z-scores. A reviewer whose totals are all equal (one review, or the same score
  everywhere) says nothing about how files compare: they have no z-score at all, so they
  neither pull a file towards the mean nor move it. A file reviewed only by such reviewers
  has no normalised score (None; ranked as 0, the mean, on the normalised basis).
* **Spread**: the largest minus the smallest total of a file (0 with one review); above the
  round's threshold the file is flagged for discussion.
* **Ranking** on the round's basis (raw or normalised), best first; files without any review
  are not ranked. Exact ties (equal to 9 decimal places) are broken by a lottery seeded with
  the round's recorded seed: the same seed always gives the same order.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import FloatField
from django.db.models.functions import Cast

from .enums import ApplicationStatus, AssignmentStatus, RankingBasis

TIE_DECIMALS = 9
# Withdrawn or inadmissible files keep their reviews but are not ranked.
NOT_RANKED = (ApplicationStatus.WITHDRAWN, ApplicationStatus.INADMISSIBLE)


@dataclass(frozen=True)
class CriterionSpec:
    id: int
    weight: float
    scale_min: float
    scale_max: float


@dataclass(frozen=True)
class Review:
    application_id: int
    reviewer_id: int
    scores: Mapping[int, float]  # criterion id → value


@dataclass
class Result:
    application_id: int
    raw: float | None = None
    normalised: float | None = None
    reviews: int = 0
    totals: dict[int, float] = field(default_factory=dict)  # reviewer id → total
    z_scores: dict[int, float] = field(default_factory=dict)  # reviewer id → z
    criteria_means: dict[int, float] = field(default_factory=dict)  # criterion id → mean value
    spread: float = 0.0
    flagged: bool = False
    rank: int | None = None
    tied_with: list[int] = field(default_factory=list)  # others in an exact tie, by lottery


def reviewer_total(
    scores: Mapping[int, float], criteria: Mapping[int, CriterionSpec]
) -> float | None:
    """Weighted mean of the scored criteria rescaled to 0–100; None when nothing is scored."""
    weighted = 0.0
    weights = 0.0
    for criterion_id, value in scores.items():
        spec = criteria.get(criterion_id)
        if spec is None:
            continue
        weighted += spec.weight * (value - spec.scale_min) / (spec.scale_max - spec.scale_min)
        weights += spec.weight
    if weights == 0:
        return None
    return 100.0 * weighted / weights


def _lottery_order(seed: str, application_ids: list[int]) -> list[int]:
    """A deterministic shuffle of ``application_ids`` for ``seed`` (same inputs, same order)."""
    ordered = sorted(application_ids)
    digest = hashlib.sha256(f"{seed}:{','.join(map(str, ordered))}".encode()).hexdigest()
    # Reproducible on purpose: the seed itself is drawn with `secrets` and recorded.
    random.Random(digest).shuffle(ordered)  # noqa: S311
    return ordered


def consolidate(
    *,
    criteria: Iterable[CriterionSpec],
    reviews: Iterable[Review],
    application_ids: Iterable[int] = (),
    spread_threshold: float,
    basis: str = RankingBasis.RAW,
    seed: str = "",
) -> list[Result]:
    """Consolidate a round: one Result per application (those in ``application_ids`` and those
    reviewed), ranked best first; unranked files (no review) come last, by id."""
    specs = {spec.id: spec for spec in criteria}
    results: dict[int, Result] = {pid: Result(pid) for pid in application_ids}
    by_reviewer: dict[int, list[tuple[int, float]]] = defaultdict(list)
    criterion_sums: dict[int, dict[int, list[float]]] = defaultdict(lambda: defaultdict(list))
    for review in reviews:
        total = reviewer_total(review.scores, specs)
        result = results.setdefault(review.application_id, Result(review.application_id))
        if total is None:
            continue
        result.totals[review.reviewer_id] = total
        by_reviewer[review.reviewer_id].append((review.application_id, total))
        for criterion_id, value in review.scores.items():
            if criterion_id in specs:
                criterion_sums[review.application_id][criterion_id].append(value)

    for reviewer_id, items in by_reviewer.items():
        totals = [total for _, total in items]
        mean = sum(totals) / len(totals)
        variance = sum((total - mean) ** 2 for total in totals) / len(totals)
        std = math.sqrt(variance)
        if std < 1e-9:
            continue  # all equal (or a single review): no information on how files compare
        for application_id, total in items:
            results[application_id].z_scores[reviewer_id] = (total - mean) / std

    for result in results.values():
        if not result.totals:
            continue
        totals = list(result.totals.values())
        result.reviews = len(totals)
        result.raw = sum(totals) / len(totals)
        result.normalised = (
            sum(result.z_scores.values()) / len(result.z_scores) if result.z_scores else None
        )
        result.spread = max(totals) - min(totals)
        result.flagged = result.spread > spread_threshold
        result.criteria_means = {
            cid: sum(values) / len(values)
            for cid, values in criterion_sums[result.application_id].items()
        }

    def key(result: Result) -> float:
        value = result.normalised if basis == RankingBasis.NORMALISED else result.raw
        return round(value or 0.0, TIE_DECIMALS)

    ranked = [r for r in results.values() if r.reviews]
    groups: dict[float, list[Result]] = defaultdict(list)
    for result in ranked:
        groups[key(result)].append(result)
    ordered: list[Result] = []
    for score in sorted(groups, reverse=True):
        group = groups[score]
        if len(group) > 1:
            ids = [r.application_id for r in group]
            order = _lottery_order(seed, ids)
            lookup = {r.application_id: r for r in group}
            group = [lookup[i] for i in order]
            for r in group:
                r.tied_with = [i for i in order if i != r.application_id]
        ordered.extend(group)
    for position, result in enumerate(ordered, start=1):
        result.rank = position
    unranked = sorted(
        (r for r in results.values() if not r.reviews), key=lambda r: r.application_id
    )
    return ordered + unranked


def load_round(round_id: int) -> tuple[list[CriterionSpec], list[Review], list[int]]:
    """The round's criteria, submitted reviews and the applications it covers, in 3 queries."""
    from .models import Assignment, Criterion, ReviewRound, Score

    review_round = ReviewRound.objects.only("grid_id").get(pk=round_id)
    criteria = [
        CriterionSpec(pk, float(weight), float(low), float(high))
        for pk, weight, low, high in Criterion.objects.filter(
            grid_id=review_round.grid_id
        ).values_list("pk", "weight", "scale_min", "scale_max")
    ]
    scores: dict[tuple[int, int], dict[int, float]] = defaultdict(dict)
    rows = (
        Score.objects.filter(
            assignment__round_id=round_id, assignment__status=AssignmentStatus.SUBMITTED
        )
        .exclude(assignment__application__status__in=NOT_RANKED)
        .values_list(
            # As a float in SQL: building 25,000 Decimals costs more than the query itself.
            "assignment__application_id",
            "assignment__reviewer_id",
            "criterion_id",
            Cast("value", FloatField()),
        )
    )
    for application_id, reviewer_id, criterion_id, value in rows:
        scores[(application_id, reviewer_id)][criterion_id] = value
    reviews = [Review(app, reviewer, values) for (app, reviewer), values in scores.items()]
    application_ids = list(
        Assignment.objects.filter(round_id=round_id)
        .exclude(application__status__in=NOT_RANKED)
        .values_list("application_id", flat=True)
        .distinct()
    )
    return criteria, reviews, application_ids


def consolidate_round(round_id: int, *, seed: str | None = None) -> list[Result]:
    """Consolidate a stored round (with its recorded seed unless ``seed`` is given)."""
    from .models import ReviewRound

    review_round = ReviewRound.objects.get(pk=round_id)
    criteria, reviews, application_ids = load_round(round_id)
    return consolidate(
        criteria=criteria,
        reviews=reviews,
        application_ids=application_ids,
        spread_threshold=float(review_round.spread_threshold or Decimal(0)),
        basis=review_round.ranking_basis,
        seed=review_round.ranking_seed if seed is None else seed,
    )
