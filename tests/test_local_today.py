"""'Today' is the date in Denmark (BABEL_DEFAULT_TIMEZONE), not on the server's clock: from
midnight to 01:00 (02:00 in summer) Danish time a server on UTC is still on the day
before, and a payment, contact or return dated today was refused as "in the future"."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from reintegration import i18n
from reintegration.approvals import views as approval_views
from reintegration.cases import forms as case_forms
from reintegration.followup import operations as followup_ops
from reintegration.plans import views as plan_views


def _clock(monkeypatch, utc: datetime) -> None:
    class Clock(datetime):
        @classmethod
        def now(cls, tz=None):
            return utc.astimezone(tz) if tz else utc.replace(tzinfo=None)

    monkeypatch.setattr(i18n, "datetime", Clock)


@pytest.mark.parametrize("utc, danish", [
    (datetime(2026, 6, 1, 22, 30, tzinfo=timezone.utc), date(2026, 6, 2)),  # 00:30 in summer (UTC+2)
    (datetime(2026, 6, 1, 21, 59, tzinfo=timezone.utc), date(2026, 6, 1)),  # 23:59
    (datetime(2027, 1, 1, 23, 30, tzinfo=timezone.utc), date(2027, 1, 2)),  # 00:30 in winter (UTC+1)
    (datetime(2027, 1, 1, 22, 59, tzinfo=timezone.utc), date(2027, 1, 1)),  # 23:59
])
def test_today_is_the_danish_date(app, monkeypatch, utc, danish):
    _clock(monkeypatch, utc)
    with app.app_context():
        assert i18n.local_today() == danish
        # Every page and operation that judges "not in the future" or "overdue" asks it.
        assert followup_ops.today() == plan_views._today() == case_forms.today() == danish


def test_no_module_asks_the_server_clock_for_today():
    """``date.today()`` is the server's date; the web modules ask ``local_today``."""
    import inspect

    for module in (approval_views, case_forms, followup_ops, plan_views):
        assert "date.today()" not in inspect.getsource(module), module.__name__



AROUND_MIDNIGHT = [  # a stored UTC moment, and its day in Denmark
    (datetime(2026, 3, 1, 23, 30, tzinfo=timezone.utc), date(2026, 3, 2)),  # 00:30 in winter (UTC+1)
    (datetime(2026, 3, 1, 22, 59, tzinfo=timezone.utc), date(2026, 3, 1)),  # 23:59
    (datetime(2026, 6, 1, 22, 30, tzinfo=timezone.utc), date(2026, 6, 2)),  # 00:30 in summer (UTC+2)
    (datetime(2026, 6, 1, 21, 59), date(2026, 6, 1)),  # 23:59, naive as SQLite hands a computed moment back: UTC
]


@pytest.mark.parametrize("moment, danish", AROUND_MIDNIGHT)
def test_a_stored_moment_is_shown_on_its_danish_day(app, moment, danish):
    """A moment is stored in UTC; its day for a person is the day in Denmark, never
    ``moment.date()``."""
    from flask_babel import force_locale

    with app.test_request_context():
        assert i18n.local_day(moment) == danish
        assert i18n.local_midnight(danish) <= moment.replace(tzinfo=timezone.utc) < i18n.local_midnight(
            date.fromordinal(danish.toordinal() + 1))
        for lang in ("da", "en"):
            with force_locale(lang):
                assert i18n.format_day(moment) == i18n.format_day(danish)


@pytest.mark.parametrize("moment, said", [
    # 23:30 UTC on 1 March is 00:30 on 2 March in Copenhagen (winter).
    (datetime(2026, 3, 1, 23, 30, tzinfo=timezone.utc), {"da": "02.03.2026 00.30", "en": "Mar 2, 2026, 00:30"}),
    # 12:05 UTC on 5 July is 14:05 in Copenhagen (summer); naive, as SQLite hands it back.
    (datetime(2026, 7, 5, 12, 5), {"da": "05.07.2026 14.05", "en": "Jul 5, 2026, 14:05"}),
])
def test_a_stored_moment_reads_the_same_way_round_in_both_languages(app, moment, said):
    """Danish time, in the reader's language. English says the day as its pages do and a
    24-hour time: "7/5/26, 2:05 PM" reads as 7 May to a European."""
    from flask_babel import force_locale

    with app.test_request_context():
        for lang, text in said.items():
            with force_locale(lang):
                assert i18n.format_when(moment).replace("\u202f", " ") == text
                assert i18n.format_moment(moment, None) == i18n.format_when(moment)
                # Every template says a moment with the ``datetime`` filter, the same text.
                assert app.jinja_env.from_string("{{ m | datetime }}").render(m=moment) == i18n.format_when(moment)
        assert i18n.format_when(None) == ""
