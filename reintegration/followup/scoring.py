"""Outcome scores of a follow-up report, per dimension. Pure: no Flask, no database."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

from .questions import DIMENSIONS, QuestionSet

SCORE_STEP = Decimal("0.01")


def dimension_scores(questions: QuestionSet, answers: Mapping[str, str]) -> dict[str, Decimal | None]:
    """The score of each dimension from 0.00 (worst) to 1.00 (best).

    Each answered question counts with its weight; an answer is worth its option's score
    divided by the highest score on the question's scale. Unknown answers, answers
    without a score ("don't know") and unanswered questions do not count; a dimension
    with no counting answer has no score (None), which is not the same as 0.
    """
    scores: dict[str, Decimal | None] = {}
    for dimension in DIMENSIONS:
        total = Decimal(0)
        weights = 0
        for question in questions.in_dimension(dimension):
            option = question.option(answers.get(question.key, ""))
            if option is None or option.score is None:
                continue
            total += Decimal(option.score) / Decimal(question.max_score) * question.weight
            weights += question.weight
        scores[dimension] = (total / weights).quantize(SCORE_STEP, rounding=ROUND_HALF_UP) if weights else None
    return scores
