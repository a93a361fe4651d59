"""What the drafting form is: the activity, the narrative, the budget lines and the
cash-spreading helper. Rules about money live in the domain; here only what a field
accepts."""

from __future__ import annotations

import re
from decimal import Decimal

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (BooleanField, Form, FieldList, FormField, HiddenField, IntegerField, StringField,
                     TextAreaField)
from wtforms.validators import Length, Optional, Regexp, ValidationError

from ..domain.budget import CASH, IN_KIND
from ..domain.money import dkk
from ..forms import (CONTROL_CHARACTERS, AmountField, ChoiceField, RequestTokenField, as_choices, bounded_text,
                     form_error_items, required)
from ..i18n import format_dkk, lazy_gettext as _l

ACTIVITY_LABELS = {
    "business": _l("Own business"),
    "education": _l("Education"),
    "employment": _l("Employment"),
    "agriculture": _l("Agriculture"),
    "other": _l("Other"),
}
LINE_KIND_LABELS = {CASH: _l("Cash"), IN_KIND: _l("In-kind")}
CATEGORY_LABELS = {
    "equipment": _l("Equipment"),
    "stock": _l("Stock and goods"),
    "rent": _l("Rent"),
    "tools": _l("Tools"),
    "education_fees": _l("Education fees"),
    "livestock": _l("Livestock"),
    "seeds": _l("Seeds and farm inputs"),
    "transport": _l("Transport"),
    "allowance": _l("Living allowance"),
    "medical": _l("Medical costs"),
    "housing": _l("Housing"),
    "other": _l("Other"),
}
MONTHS = 12
MAX_LINES = 200
# Far above any real budget, far below what a column can hold.
MAX_DKK = Decimal("10000000")
MAX_LOCAL = Decimal("1000000000000")
MAX_RATE = Decimal("1000000")


def clean_text(value):
    """Strip surrounding space and control characters no database or reader wants."""
    if isinstance(value, str):
        return CONTROL_CHARACTERS.sub("", value).strip()
    return value


class Needed:
    """Marks a field as needed (no "optional" in its label); the form's own
    ``validate`` says what is missing, since a line may be left entirely blank."""

    field_flags = {"required": True}

    def __call__(self, form, field):
        return None


class MonthField(IntegerField):
    """A month after the return, 1 to 12, with the error in our words."""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        raw = valuelist[0][:20].strip()
        if not raw:
            self.data = None
            return
        if not re.fullmatch(r"[+-]?\d{1,6}", raw):
            self.data = None
            raise ValueError(_l("Enter a month as a number from 1 to %(n)d.", n=MONTHS))
        self.data = int(raw)

    def pre_validate(self, form):
        if self.data is not None and not 1 <= self.data <= MONTHS:
            raise ValidationError(_l("The month must be from 1 to %(n)d.", n=MONTHS))


def typed(field) -> bool:
    """Something is in the field: typed into the posted form, or (a form filled from
    stored data, which has no raw data) a stored value."""
    if field.raw_data is None:
        return field.data is not None
    return bool(field.raw_data and str(field.raw_data[0]).strip())


def _choices(labels: dict, blank: str | None = None) -> list:
    return as_choices(([("", blank)] if blank is not None else []) + list(labels.items()))


class LineForm(Form):
    """One budget line. ``line_key`` follows the line through versions."""

    line_key = HiddenField(filters=[clean_text])
    kind = ChoiceField(_l("Cash or in-kind"), choices=_choices(LINE_KIND_LABELS), default=IN_KIND,
                       validators=[Needed()])
    category = ChoiceField(_l("Category"), choices=_choices(CATEGORY_LABELS), default="equipment",
                           validators=[Needed()])
    description = StringField(_l("Description"), filters=[clean_text],
                              validators=[Optional(), Length(max=500, message=_l("At most %(max)d characters.",
                                                                                 max=500))])
    month = MonthField(_l("Month"), validators=[Needed()])
    amount_dkk = AmountField(_l("Amount, DKK"), max_value=MAX_DKK, allow_zero=False)
    currency = StringField(_l("Currency"), filters=[clean_text, lambda v: v.upper() if isinstance(v, str) else v],
                           validators=[Optional(), Regexp(r"^[A-Z]{3}$",
                                                          message=_l("Use a three-letter code such as NGN."))])
    amount_local = AmountField(_l("Local amount"), max_value=MAX_LOCAL)
    exchange_rate = AmountField(_l("Exchange rate (DKK per unit)"), max_value=MAX_RATE, decimals=6)

    @staticmethod
    def row_label(number: int) -> str:
        """How the error summary names the line a field error is on: as the row's own
        heading on the page ("Line 2"), numbered as the page numbers its rows."""
        return str(_l("Line %(n)d", n=number))

    def is_blank(self) -> bool:
        """Nothing typed that makes a line: no description and no amount of any kind."""
        return not (self.description.data or typed(self.amount_dkk) or typed(self.amount_local)
                    or typed(self.exchange_rate))

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.is_blank():
            return ok
        if self.month.data is None and not self.month.errors:
            self.month.errors.append(_l("Enter the month (1 to %(n)d) it is paid or bought.", n=MONTHS))
            ok = False
        if self.amount_dkk.data is None and not self.amount_dkk.errors:
            if self.amount_local.data is None or self.exchange_rate.data is None:
                if not (self.amount_local.errors or self.exchange_rate.errors):
                    self.amount_dkk.errors.append(
                        _l("Enter the amount in DKK, or the local amount and the exchange rate."))
                    ok = False
            elif self.amount_local.data * self.exchange_rate.data > MAX_DKK:
                self.amount_local.errors.append(_l("The local amount times the exchange rate is too large."))
                ok = False
        elif (self.amount_local.data is not None and self.exchange_rate.data is not None
              and not (self.amount_dkk.errors or self.amount_local.errors or self.exchange_rate.errors)):
            # All three typed: the caps count the DKK amount, so it must be what the local
            # amount and the rate say (a local amount changed after a save kept the old DKK).
            computed = dkk(self.amount_local.data * self.exchange_rate.data)
            if self.amount_dkk.data != computed:
                self.amount_dkk.errors.append(_l(
                    "The DKK amount must be the local amount times the exchange rate (%(amount)s). Correct it, or "
                    "leave it empty to have it computed.", amount=format_dkk(computed)))
                ok = False
        return ok


class PlanForm(FlaskForm):
    """The whole drafting page; buttons post ``action`` (save, add_line, remove_line:N,
    spread_cash)."""

    revision = HiddenField()
    activity_kind = ChoiceField(_l("Kind of activity"), choices=_choices(ACTIVITY_LABELS, _l("Choose")), default="")
    activity_description = bounded_text(_l("Description of the activity"), filters=[clean_text])
    activity_location = bounded_text(_l("Location"), max_length=200, multiline=False, filters=[clean_text])
    expected_monthly_income = AmountField(_l("Expected monthly income, DKK"), max_value=MAX_DKK, allow_zero=True)
    activity_start_month = MonthField(_l("Start month after the return"))
    realism = bounded_text(_l("What makes the activity realistic"), filters=[clean_text])
    social_support = bounded_text(_l("Social support needs"), filters=[clean_text])
    housing = bounded_text(_l("Housing"), filters=[clean_text])
    health = bounded_text(_l("Health"), filters=[clean_text])
    schooling = bounded_text(_l("Schooling of children"), filters=[clean_text])
    risk_health = bounded_text(_l("Health risks"), filters=[clean_text])
    risk_traffickers = bounded_text(_l("Debt to or fear of traffickers"), filters=[clean_text])
    risk_management = bounded_text(_l("How the risks are managed"), filters=[clean_text])
    lines = FieldList(FormField(LineForm), min_entries=0, max_entries=MAX_LINES)
    spread_total = AmountField(_l("Total cash to spread, DKK"), max_value=MAX_DKK, validators=[Needed()])
    spread_from = MonthField(_l("From month"), validators=[Needed()])
    spread_to = MonthField(_l("To month"), validators=[Needed()])

    NARRATIVE = ("activity_kind", "activity_description", "activity_location", "expected_monthly_income",
                 "activity_start_month", "realism", "social_support", "housing", "health", "schooling",
                 "risk_health", "risk_traffickers", "risk_management")
    SPREAD = ("spread_total", "spread_from", "spread_to")

    def __init__(self, *args, line_capacity: int = MAX_LINES, **kwargs):
        """``line_capacity``: how many line rows the form reads, at least ``MAX_LINES``
        (more only to open a draft stored with more lines than a plan can have: none of
        them may silently go missing; saving says to remove some)."""
        self.line_capacity = max(MAX_LINES, line_capacity)
        self.line_errors: list = []  # about the lines as a whole (how many), not one line
        super().__init__(*args, **kwargs)

    def process(self, formdata=None, obj=None, data=None, extra_filters=None, **kwargs):
        self.lines.max_entries = self.line_capacity
        super().process(formdata, obj, data=data, extra_filters=extra_filters, **kwargs)

    def has_room_for_a_line(self) -> bool:
        """Another (blank) row fits: never more rows than a plan can have lines."""
        return len(self.lines.entries) < MAX_LINES

    def refuse_line_count(self, count: int, field=None) -> None:
        """Say at ``field`` (else at the budget lines) that ``count`` lines are more than
        a plan can have."""
        message = _l("A plan can have at most %(max)d budget lines; this would give it %(n)d.", max=MAX_LINES,
                     n=count)
        if field is not None:
            field.errors = list(field.errors) + [message]
        else:
            self.line_errors.append(message)

    def line_error_items(self) -> list[dict]:
        """The errors about the lines as a whole, for the error summary."""
        return [{"id": "lines", "message": f"{_l('Budget lines')}: {message}"} for message in self.line_errors]

    def validate_for(self, action: str) -> bool:
        """Validate the plan; the spread fields only matter for ``spread_cash``."""
        self.validate()  # fills every field's errors; what counts is decided below
        # The spread fields are a helper, not part of the plan: their errors only count
        # when the helper is used.
        if action != "spread_cash":
            for name in self.SPREAD:
                if self[name].errors:
                    self[name].errors = []
            return not self._plan_errors()
        for name, message in (("spread_total", _l("Enter the total cash to spread.")),
                              ("spread_from", _l("Enter the first month.")),
                              ("spread_to", _l("Enter the last month."))):
            if self[name].data is None and not self[name].errors:
                self[name].errors = [message]
        if not (self.spread_from.errors or self.spread_to.errors) and self.spread_from.data > self.spread_to.data:
            self.spread_to.errors = [_l("The last month cannot come before the first month.")]
        if not (self.spread_total.errors or self.spread_from.errors or self.spread_to.errors):
            months = self.spread_to.data - self.spread_from.data + 1
            if self.spread_total.data * 100 < months:
                self.spread_total.errors = [_l("The total is too small to spread over %(n)d months.", n=months)]
        return not self._plan_errors() and not any(self[name].errors for name in self.SPREAD)

    def _plan_errors(self) -> bool:
        return any(not (item["id"] or "").startswith("spread_") for item in form_error_items(self))

    def narrative_values(self) -> dict:
        values = {name: self[name].data for name in self.NARRATIVE}
        values["activity_kind"] = values["activity_kind"] or None
        for name, value in values.items():
            if value == "":
                values[name] = None
        return values

    def kept_lines(self) -> list[LineForm]:
        """The line sub-forms that make a line (entirely blank rows are dropped)."""
        return [entry.form for entry in self.lines.entries if not entry.form.is_blank()]


class CommentForm(FlaskForm):
    # The form's one-time token: sent twice (a double click), it adds one comment.
    request_token = RequestTokenField()
    body = bounded_text(_l("Comment"), required=True, filters=[clean_text])


class ActionForm(FlaskForm):
    """Submit and other one-button actions: the revision the user saw."""

    revision = HiddenField()


class DiscardForm(FlaskForm):
    """Discarding a draft: the revision the user saw, and the confirmation."""

    revision = HiddenField()
    confirm_discard = BooleanField(_l("Yes, delete this draft with its budget lines and comments"),
                                   validators=[required(_l("Tick the box to confirm that the draft is to be deleted."))])


class ImportForm(FlaskForm):
    """A plan file (PLAN_FORMAT.md) to import into a draft: uploaded or pasted. The view
    reads and parses it, and puts what is wrong at the field it came from."""

    revision = HiddenField()
    plan_file = FileField(_l("Plan file (JSON)"))
    plan_text = TextAreaField(_l("Or paste the plan's JSON"))
