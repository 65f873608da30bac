"""The assessment results as the PDFs need them, read through the assessment
app's selectors (``responsibility.selectors``) when that app provides them.

Until a year has an assessment scheme, the reports fall back to the completion
figures of the milestones and say so (考核结果尚未发布).
"""

from __future__ import annotations

import importlib
from typing import Any

from responsibility.models import Unit


def _selectors():
    try:
        return importlib.import_module("responsibility.selectors")
    except ImportError:
        return None


def assessment_table(year: int) -> Any | None:
    """The year's published ranking, or None when there is no scheme for the year."""
    selectors = _selectors()
    if selectors is None or not hasattr(selectors, "assessment_table"):
        return None
    return selectors.assessment_table(year)


def unit_result(year: int, unit: Unit) -> Any | None:
    selectors = _selectors()
    if selectors is None or not hasattr(selectors, "unit_card"):
        return None
    return selectors.unit_card(year, unit)
