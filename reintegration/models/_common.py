from datetime import datetime, timezone


def utcnow() -> datetime:
    """Timestamps are timezone-aware UTC (SQLModel stores them as UTC everywhere)."""
    return datetime.now(timezone.utc)
