"""Putting a computed scheme into 公示 or final for tests of what is public.

The stage moves themselves (with their confirmations and records) are the
procedure's own tests; here the fields are written directly, as the stage
services leave them.
"""

import datetime as dt

from django.utils import timezone

from assessment import services
from assessment.models import AssessmentScheme


def make_public(
    scheme: AssessmentScheme,
    *,
    stage: str = "notice",
    start: dt.date = dt.date(2010, 12, 1),
    days: int = 7,
    compute: bool = True,
) -> AssessmentScheme:
    """Compute ``scheme`` (unless told not to) and move it to ``stage`` with a
    notice period of ``days`` days from ``start``."""
    if compute:
        services.assessment_compute(scheme=scheme)
    fields = {
        "stage": stage,
        "notice_from": start,
        "notice_until": start + dt.timedelta(days=days - 1),
    }
    if stage == "final":
        fields["published_at"] = timezone.make_aware(
            dt.datetime.combine(start + dt.timedelta(days=days + 2), dt.time(10))
        )
    AssessmentScheme.objects.filter(pk=scheme.pk).update(**fields)
    scheme.refresh_from_db()
    return scheme
