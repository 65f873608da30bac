"""Kept only because migration 0003_assessment names ``evidence_path`` as the
upload path of an assessment entry's evidence. The models now live in the
``assessment`` app; landed migrations are never rewritten."""

from common import evidence


def evidence_path(instance, filename: str) -> str:
    return evidence.stored_name(filename, prefix="assessment/")
