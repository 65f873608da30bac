"""Synthetic data for benchmarks and query-count tests, assessment included:
``projects.services.scale`` builds the plan; this removes the assessment rows of
an earlier run's synthetic units first (they protect the units from deletion)."""

from __future__ import annotations

from django.db.models import QuerySet

from assessment.models import AssessmentEntry, AssessmentResult, ItemScore, TitleAward
from projects.services import scale
from responsibility.models import Unit


def assessment_rows_delete(units: QuerySet[Unit]) -> None:
    """Assessment rows of these units (a scheme computed over all bureaus picks
    synthetic ones up)."""
    ItemScore.objects.filter(result__unit__in=units).delete()
    AssessmentResult.objects.filter(unit__in=units).delete()
    AssessmentEntry.objects.filter(unit__in=units).delete()
    TitleAward.objects.filter(unit__in=units).delete()


def scale_seed(*, factor: int, year: int, seed: int = 2010) -> scale.ScaleSummary:
    """``projects.services.scale.scale_seed`` that also clears the assessment rows."""
    return scale.scale_seed(
        factor=factor, year=year, seed=seed, before_units_deleted=assessment_rows_delete
    )
