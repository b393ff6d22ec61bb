"""Worked examples of the consolidation maths (``consolidation.consolidate``), numbers
computed by hand in the comments. Scores are rescaled to 0–100 per criterion, a reviewer's
total is the weighted mean over the criteria they scored, the raw score the mean of the
totals, the normalised score the mean of each reviewer's z-scores."""

from __future__ import annotations

import math

import pytest

from frenchimpact.calls.consolidation import CriterionSpec, Review, consolidate
from frenchimpact.calls.enums import RankingBasis

# One criterion scored 0–10, weight 1: a score of 8 is a total of 80.
SINGLE = [CriterionSpec(1, 1.0, 0.0, 10.0)]
# The evaluation grid of the Pionniers call: impact (weight 3, 0–5), scale-up potential
# (weight 2, 0–5), robustness of the model (weight 1, 0–10).
PIONNIERS = [
    CriterionSpec(1, 3.0, 0.0, 5.0),
    CriterionSpec(2, 2.0, 0.0, 5.0),
    CriterionSpec(3, 1.0, 0.0, 10.0),
]


def by_id(results):
    return {r.application_id: r for r in results}


def test_a_reviewer_giving_every_file_the_same_score_has_no_z_score():
    # Reviewer 10 discriminates: 8, 6, 4 → totals 80, 60, 40; mean 60; population standard
    # deviation sqrt((20² + 0² + 20²) / 3) = sqrt(800/3) = 16.3299; z = +1.2247, 0, −1.2247.
    # Reviewer 20 gives 5 everywhere → totals 50, 50, 50; deviation 0 → no z-score at all.
    reviews = [
        Review(1, 10, {1: 8}),
        Review(2, 10, {1: 6}),
        Review(3, 10, {1: 4}),
        Review(1, 20, {1: 5}),
        Review(2, 20, {1: 5}),
        Review(3, 20, {1: 5}),
    ]
    results = by_id(
        consolidate(
            criteria=SINGLE, reviews=reviews, spread_threshold=50, basis=RankingBasis.NORMALISED
        )
    )
    assert results[1].z_scores == {10: pytest.approx(1.224745)}
    assert results[3].z_scores == {10: pytest.approx(-1.224745)}
    # Normalised = mean of the informative z-scores: reviewer 10's alone.
    assert results[1].normalised == pytest.approx(1.224745)
    assert results[2].normalised == pytest.approx(0.0)
    assert results[3].normalised == pytest.approx(-1.224745)
    # Raw = mean of the totals: (80 + 50) / 2 = 65, (60 + 50) / 2 = 55, (40 + 50) / 2 = 45.
    assert [results[i].raw for i in (1, 2, 3)] == [65.0, 55.0, 45.0]
    # The flat reviewer does not move the normalised ranking: same order as reviewer 10 alone.
    alone = consolidate(
        criteria=SINGLE,
        reviews=[r for r in reviews if r.reviewer_id == 10],
        spread_threshold=50,
        basis=RankingBasis.NORMALISED,
    )
    both = consolidate(
        criteria=SINGLE, reviews=reviews, spread_threshold=50, basis=RankingBasis.NORMALISED
    )
    assert [r.application_id for r in both] == [r.application_id for r in alone] == [1, 2, 3]


def test_an_application_with_a_single_review_scores_that_reviews_total_with_no_spread():
    # Impact 4/5 → 80, scale-up 3/5 → 60, robustness 6/10 → 60.
    # Total = (3×80 + 2×60 + 1×60) / (3 + 2 + 1) = 420 / 6 = 70.
    [result] = consolidate(
        criteria=PIONNIERS, reviews=[Review(7, 1, {1: 4, 2: 3, 3: 6})], spread_threshold=20
    )
    assert result.reviews == 1
    assert result.raw == pytest.approx(70.0)
    assert result.totals == {1: pytest.approx(70.0)}
    assert result.spread == 0.0
    assert result.flagged is False
    # One review: the reviewer's totals have no spread, so there is no z-score and no
    # normalised score (it is ranked as the mean, 0, on the normalised basis).
    assert result.z_scores == {}
    assert result.normalised is None
    assert result.rank == 1


def test_a_flat_reviewer_on_some_files_only_does_not_reorder_them():
    # Reviewer A: 10, 9, 1, 0 (/10) on files 1–4 → totals 100, 90, 10, 0; mean 50;
    # σ = sqrt((50² + 40² + 40² + 50²) / 4) = sqrt(2050) = 45.277; z = 1.1043, 0.8835, −0.8835,
    # −1.1043. Flat reviewer F gives 5 to files 1, 3 and 4 only. Were F's z counted as 0, file 1
    # would fall to (1.1043 + 0) / 2 = 0.552, below file 2 (0.8835): F would reorder A's files.
    scale = [CriterionSpec(1, 1.0, 0.0, 10.0)]
    reviews = [
        Review(1, 1, {1: 10}),
        Review(2, 1, {1: 9}),
        Review(3, 1, {1: 1}),
        Review(4, 1, {1: 0}),
        Review(1, 2, {1: 5}),
        Review(3, 2, {1: 5}),
        Review(4, 2, {1: 5}),
    ]
    results = consolidate(
        criteria=scale, reviews=reviews, spread_threshold=100, basis=RankingBasis.NORMALISED
    )
    assert [r.application_id for r in results] == [1, 2, 3, 4]
    assert by_id(results)[1].normalised == pytest.approx(50 / math.sqrt(2050))


def test_a_missing_criterion_is_left_out_and_weights_renormalised_not_counted_as_zero():
    # Scale-up not scored: (3×80 + 1×60) / (3 + 1) = 300 / 4 = 75.
    # Counting it as 0 would give (240 + 0 + 60) / 6 = 50: that is what must not happen.
    [result] = consolidate(
        criteria=PIONNIERS, reviews=[Review(7, 1, {1: 4, 3: 6})], spread_threshold=20
    )
    assert result.raw == pytest.approx(75.0)
    assert result.raw != pytest.approx(50.0)
    assert result.criteria_means == {1: 4.0, 3: 6.0}


def test_a_review_with_no_criterion_scored_is_not_a_review():
    results = consolidate(
        criteria=PIONNIERS,
        reviews=[Review(7, 1, {}), Review(7, 2, {1: 5, 2: 5, 3: 10})],
        spread_threshold=20,
    )
    # Only reviewer 2 counts: every criterion at the top of its scale → 100.
    assert results[0].reviews == 1
    assert results[0].raw == pytest.approx(100.0)


def test_weights_and_different_scales():
    criteria = [CriterionSpec(1, 2.0, 0.0, 5.0), CriterionSpec(2, 1.0, 1.0, 10.0)]
    # File 1: 5/5 → 100; 1 on a 1–10 scale is the bottom → 0. Total = (2×100 + 1×0)/3 = 66.67.
    # File 2: 0/5 → 0; 10 on 1–10 → 100. Total = (2×0 + 1×100)/3 = 33.33.
    # File 3: 2.5/5 → 50; 5.5 on 1–10 → (5.5 − 1)/9 = 50. Total = 50.
    results = by_id(
        consolidate(
            criteria=criteria,
            reviews=[
                Review(1, 1, {1: 5, 2: 1}),
                Review(2, 1, {1: 0, 2: 10}),
                Review(3, 1, {1: 2.5, 2: 5.5}),
            ],
            spread_threshold=20,
        )
    )
    assert results[1].raw == pytest.approx(200 / 3)
    assert results[2].raw == pytest.approx(100 / 3)
    assert results[3].raw == pytest.approx(50.0)
    assert [results[i].rank for i in (1, 3, 2)] == [1, 2, 3]


def test_spread_above_the_threshold_is_flagged_for_discussion():
    reviews = [
        # File 1: totals 90 and 60 → spread 30 > 20: flagged.
        Review(1, 1, {1: 9}),
        Review(1, 2, {1: 6}),
        # File 2: totals 70 and 80 → spread 10: not flagged.
        Review(2, 1, {1: 7}),
        Review(2, 2, {1: 8}),
        # File 3: totals 50 and 70 → spread exactly 20: not above the threshold.
        Review(3, 1, {1: 5}),
        Review(3, 2, {1: 7}),
    ]
    results = by_id(consolidate(criteria=SINGLE, reviews=reviews, spread_threshold=20))
    assert results[1].spread == pytest.approx(30.0) and results[1].flagged
    assert results[2].spread == pytest.approx(10.0) and not results[2].flagged
    assert results[3].spread == pytest.approx(20.0) and not results[3].flagged


def test_normalisation_corrects_a_harsh_and_a_lenient_reviewer():
    # Harsh reviewer 1: file A (id 1) 60, file X (id 3) 20 → mean 40, deviation 20:
    # z(A) = +1. Lenient reviewer 2: file B (id 2) 90, file Y (id 4) 100 → mean 95,
    # deviation 5: z(B) = −1. Raw puts B (90) before A (60); normalised puts A first.
    reviews = [
        Review(1, 1, {1: 6}),
        Review(3, 1, {1: 2}),
        Review(2, 2, {1: 9}),
        Review(4, 2, {1: 10}),
    ]
    raw = consolidate(criteria=SINGLE, reviews=reviews, spread_threshold=20)
    normalised = consolidate(
        criteria=SINGLE, reviews=reviews, spread_threshold=20, basis=RankingBasis.NORMALISED
    )
    assert [r.application_id for r in raw] == [4, 2, 1, 3]
    assert [r.application_id for r in normalised][:2] in ([1, 4], [4, 1])
    assert by_id(normalised)[1].normalised == pytest.approx(1.0)
    assert by_id(normalised)[2].normalised == pytest.approx(-1.0)
    assert by_id(normalised)[1].rank < by_id(normalised)[2].rank


def test_files_without_review_are_listed_last_and_not_ranked():
    results = consolidate(
        criteria=SINGLE,
        reviews=[Review(5, 1, {1: 3})],
        application_ids=[9, 5, 8],
        spread_threshold=20,
    )
    assert [(r.application_id, r.rank) for r in results] == [(5, 1), (8, None), (9, None)]
    assert results[1].raw is None


def _tie(seed: str) -> list[int]:
    # Files 11–15 all get 7/10 from reviewer 1 → totals 70: an exact five-way tie.
    reviews = [Review(i, 1, {1: 7}) for i in (11, 12, 13, 14, 15)]
    reviews.append(Review(10, 1, {1: 9}))  # file 10 is first on its own
    results = consolidate(criteria=SINGLE, reviews=reviews, spread_threshold=20, seed=seed)
    assert results[0].application_id == 10 and results[0].tied_with == []
    assert [r.rank for r in results] == [1, 2, 3, 4, 5, 6]
    for result in results[1:]:
        assert sorted([result.application_id, *result.tied_with]) == [11, 12, 13, 14, 15]
    return [r.application_id for r in results[1:]]


def test_an_exact_tie_is_broken_by_the_seeded_lottery_reproducibly():
    first = _tie("4f1c0a")
    assert _tie("4f1c0a") == first  # same seed, same order
    orders = {tuple(_tie(f"graine-{n}")) for n in range(20)}
    assert len(orders) > 1  # another seed can give another order
    # Each group member lists the others in the lottery's order.
    results = consolidate(
        criteria=SINGLE,
        reviews=[Review(i, 1, {1: 7}) for i in (11, 12, 13)],
        spread_threshold=20,
        seed="x",
    )
    order = [r.application_id for r in results]
    assert results[0].tied_with == order[1:]


def test_near_equal_scores_are_not_a_tie():
    # 1/3 of 100 computed two ways differs in the 15th decimal: rounding to 9 decimals makes
    # them an exact tie; a real difference of 0.001 point does not.
    criteria = [CriterionSpec(1, 1.0, 0.0, 3.0), CriterionSpec(2, 1.0, 0.0, 300.0)]
    results = consolidate(
        criteria=criteria,
        reviews=[Review(1, 1, {1: 1}), Review(2, 1, {2: 100}), Review(3, 1, {2: 100.003})],
        spread_threshold=20,
    )
    ids = by_id(results)
    assert math.isclose(ids[1].raw, ids[2].raw)
    assert sorted([1, *ids[1].tied_with]) == [1, 2]
    assert ids[3].tied_with == [] and ids[3].rank == 1
