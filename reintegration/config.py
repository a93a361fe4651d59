"""Default configuration. The instance folder's ``config.py`` and ``REINTEGRATION_*``
environment variables override it (``REINTEGRATION_DATABASE_URL`` chooses PostgreSQL)."""

from datetime import timedelta
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Defaults:
    # Sessions: HttpOnly and SameSite always; Secure when served over HTTPS
    # (SESSION_COOKIE_SECURE is switched on by the instance config in production).
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # Inactivity timeout: the session cookie is refreshed on every request and
    # expires after this long without one. Thirty minutes, as NIST SP 800-63B (AAL2) and
    # OWASP ASVS level 2 set for re-authentication after inactivity: the cases are people
    # at risk, often opened on shared or mobile devices.
    PERMANENT_SESSION_LIFETIME = timedelta(minutes=30)
    SESSION_REFRESH_EACH_REQUEST = True
    # The timeout warning (static/js/session.js, WCAG 2.1 SC 2.2.1) appears this long before
    # the session ends, with "Stay signed in" (a timedelta, or seconds).
    SESSION_WARNING_BEFORE = timedelta(minutes=5)

    WTF_CSRF_TIME_LIMIT = None  # CSRF tokens live as long as the session
    UPLOAD_MAX_BYTES = 10 * 1024 * 1024  # each file
    # The whole request (413 beyond it, with nothing kept): room for the most files a form
    # takes (followup.forms.MAX_FILES, 5) at the largest size each may have, and the form's
    # fields. Any smaller, and a report with three 7 MB photos, each one allowed, would be
    # refused whole, its answers and risk signs lost.
    MAX_CONTENT_LENGTH = 5 * UPLOAD_MAX_BYTES + 1024 * 1024
    # The whole request of a form that takes files (uploads.takes_files), sent by a
    # signed-in user: a file over UPLOAD_MAX_BYTES in it (a video chosen by mistake) is
    # read, dropped and refused at its field, the rest of the form kept; only a request
    # larger than this is a 413 that keeps nothing. The proxy in front of the application
    # must let requests this large through (nginx: client_max_body_size).
    UPLOAD_REQUEST_MAX_BYTES = 256 * 1024 * 1024

    BABEL_DEFAULT_LOCALE = "da"
    BABEL_DEFAULT_TIMEZONE = "Europe/Copenhagen"
    LANGUAGES = ("da", "en")

    RATES_DIR = str(PROJECT_ROOT / "rates")
    PARTNERS_DIR = str(PROJECT_ROOT / "partners")
    MIGRATIONS_DIR = str(PROJECT_ROOT / "migrations")
    NODE_MODULES_DIR = str(PROJECT_ROOT / "node_modules")

    MAIL_BACKEND = "console"  # "console" prints; "smtp" sends (MAIL_SMTP_* settings)
    # The scheme and host people open the tool at (e.g. "https://reintegration.example.org"),
    # for the links in e-mails; never taken from a request. Unset, a mail names the page's path.
    PUBLIC_URL = None
    MAIL_FROM = "noreply@reintegration.local"

    RETENTION_YEARS_AFTER_CLOSURE = 5
    MFA_REQUIRED_ROLES = ("approver", "admin")
    PAGE_SIZE = 25
    # The case list counts matches exactly up to here, then says "more than N" (bench/RESULTS.md).
    CASE_LIST_COUNT_LIMIT = 1000
    APPROVAL_QUEUE_COUNT_LIMIT = 1000  # the same for the approval queue
    # ... and for the other paged lists: the follow-up overview's, the audit trail and the
    # administrator's lists of accounts and organisations.
    LIST_COUNT_LIMIT = 1000
