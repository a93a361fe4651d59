"""The date range of the batch export."""

from __future__ import annotations

from datetime import timedelta

from flask_wtf import FlaskForm
from wtforms.validators import InputRequired

from ..forms import ENTER_A_DATE, ChoiceField, DayField
from ..i18n import lazy_gettext as _l

MAX_RANGE_DAYS = 3 * 366  # a strategy period; longer ranges are a CLI job (flask export-batch)


class BatchForm(FlaskForm):
    """Sent with GET (it changes nothing), so without a CSRF token."""

    class Meta:
        csrf = False

    # DayField: a date it cannot read is refused in the reader's language, not WTForms' English.
    # A missing date is asked for with the same example as one it cannot read (ENTER_A_DATE).
    date_from = DayField(_l("Approved from"), validators=[InputRequired(message=ENTER_A_DATE)],
                         description=_l("For example 2026-01-01"))
    date_to = DayField(_l("Approved up to and including"), validators=[InputRequired(message=ENTER_A_DATE)],
                       description=_l("For example 2026-12-31"))
    lang = ChoiceField(_l("Language of the headings"), choices=[("da", _l("Danish")), ("en", _l("English"))],
                       default="da")

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if ok and self.date_to.data < self.date_from.data:
            self.date_to.errors.append(_l("The end date must be on or after the start date."))
            return False
        if ok and self.date_to.data - self.date_from.data > timedelta(days=MAX_RANGE_DAYS):
            self.date_to.errors.append(_l("At most three years at a time."))
            return False
        return ok
