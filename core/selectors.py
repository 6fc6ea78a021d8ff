"""Reads shared by every app."""

from core.models import AuditVerification


def audit_verification_last() -> AuditVerification | None:
    """Return the latest check of the audit log's hash chain, or None if it was never checked."""
    return AuditVerification.objects.order_by("-checked_at", "-id").first()
