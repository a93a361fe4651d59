"""Exchange rates read in the reader's language everywhere (the plan's lines, the
approver's review, the follow-up pages): the digits a rate has, up to six decimals,
without the zeros a stored value carries."""

from __future__ import annotations

from decimal import Decimal

import pytest
from flask_babel import force_locale

from reintegration.approvals.labels import shown_value
from reintegration.i18n import format_rate


@pytest.mark.parametrize("value, da, en", [
    (Decimal("0.0045"), "0,0045", "0.0045"),
    (Decimal("0.190000"), "0,19", "0.19"),
    ("0.004500", "0,0045", "0.0045"),
    (Decimal("7"), "7", "7"),
    (Decimal("1234.5"), "1.234,5", "1,234.5"),
    (Decimal("0.0000004"), "0", "0"),  # below the form's six decimals
    (None, "", ""),
])
def test_a_rate_in_both_languages(app, value, da, en):
    with app.test_request_context("/"):
        with force_locale("da"):
            assert format_rate(value) == da
            if value is not None:
                assert shown_value("exchange_rate", value) == da
        with force_locale("en"):
            assert format_rate(value) == en
