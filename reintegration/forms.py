"""Form pieces shared by every area: amount fields in the user's language, and the
error list that feeds the error summary."""

from __future__ import annotations

import re
import secrets
from decimal import Decimal

from flask_wtf import FlaskForm
from wtforms import DateField, Field, HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import TextInput
from wtforms.validators import DataRequired, Length, StopValidation, ValidationError

from .i18n import AmountError, format_amount, lazy_gettext as _l, parse_amount

# Long enough for any real note; short enough that 10 MB of text is a field error.
MAX_TEXT = 5000
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class AmountInput(TextInput):
    """A text input (``type="number"`` would refuse Danish ``12.500,50``) that opens a
    phone's number keypad with a decimal separator: ``inputmode="decimal"`` unless the
    template asks for another."""

    def __call__(self, field, **kwargs):
        kwargs.setdefault("inputmode", "decimal")
        return super().__call__(field, **kwargs)


class AmountField(Field):
    """A kroner amount typed the user's way (``12.500,50`` in Danish). At most two
    decimals; never a float."""

    widget = AmountInput()

    def __init__(self, label=None, validators=None, max_value: Decimal | None = None,
                 allow_zero: bool = False, decimals: int = 2, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.max_value = max_value
        self.allow_zero = allow_zero
        self.decimals = decimals
        self._raw: str | None = None

    def _value(self) -> str:
        if self._raw is not None:
            return self._raw  # show back exactly what was typed
        return format_amount(self.data, self.decimals) if self.data is not None else ""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        self._raw = valuelist[0][:100]
        if not self._raw.strip():
            self.data = None
            return
        try:
            value = parse_amount(self._raw)
        except AmountError:
            self.data = None
            raise ValueError(_l("Enter an amount such as %(example)s.", example=format_amount(Decimal("12500.50"))))
        if value.as_tuple().exponent < -self.decimals:
            self.data = None
            raise ValueError(_l("Use at most %(n)s decimals.", n=self.decimals))
        if value < 0 and self.allow_zero:  # zero is taken: "greater than zero" would be wrong
            self.data = None
            raise ValueError(_l("The amount cannot be negative."))
        if value < 0 or (value == 0 and not self.allow_zero):
            self.data = None
            raise ValueError(_l("The amount must be greater than zero."))
        if self.max_value is not None and value > self.max_value:
            self.data = None
            most = format_amount(self.max_value, 0 if self.max_value == self.max_value.to_integral_value() else 2)
            raise ValueError(_l("The amount can be at most %(most)s.", most=most))
        self.data = value


# Every date error gives the same example date: one message, shared by the forms that
# ask for a date they cannot do without (the batch export's range) and DayField itself.
ENTER_A_DATE = _l("Enter a date such as 2026-03-14.")


class DayField(DateField):
    """A date typed as YYYY-MM-DD (what the browser's date picker sends), with the
    error in the reader's language. ``earliest_year`` refuses typos such as 0026."""

    def __init__(self, label=None, validators=None, earliest_year: int = 1900, **kwargs):
        super().__init__(label, validators, format="%Y-%m-%d", **kwargs)
        self.earliest_year = earliest_year

    def process_formdata(self, valuelist):
        if valuelist:
            valuelist = [valuelist[0][:40]]
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(ENTER_A_DATE) from None
        if self.data is not None and self.data.year < self.earliest_year:
            self.data = None
            raise ValueError(_l("Enter a date in %(year)d or later.", year=self.earliest_year))


class TextField(StringField):
    """A one-line text field. Absurdly long input (10 MB pasted) is cut before it is
    validated, so the length error still shows but the page does not echo megabytes."""

    KEEP = 2 * MAX_TEXT

    def process_formdata(self, valuelist):
        super().process_formdata([value[: self.KEEP] for value in valuelist])

    def pre_validate(self, form):
        no_control_characters(form, self)


def plain_number(raw: str | None, max_digits: int = 9) -> int | None:
    """A whole number of at most ``max_digits`` ASCII digits, as hidden fields and
    buttons carry them (a revision, a row, an id), else None. ``str.isdigit`` alone also
    takes "²" or "٣", which ``int`` refuses or reads, and any length, which the database
    cannot bind: either would be a 500 instead of a conflict or a refusal."""
    raw = (raw or "").strip()
    if not raw or len(raw) > max_digits or not raw.isascii() or not raw.isdigit():
        return None
    return int(raw)


def no_control_characters(_form, field) -> None:
    """A NUL byte cannot be stored (PostgreSQL refuses it), and no control character
    belongs in a name, a search or a note (nor can a spreadsheet export hold one): say
    so at the field. Tabs and line breaks are not control characters here."""
    if isinstance(field.data, str) and CONTROL_CHARACTERS.search(field.data):
        raise StopValidation(_l("Remove the invisible control character, for example from pasted text."))


def as_choices(pairs) -> list[SelectChoice]:
    """``(value, label)`` pairs as WTForms' declared options (tuples are deprecated in
    WTForms 3.3 and go in 3.4); values become strings, options already made stay."""
    return [p if isinstance(p, SelectChoice) else SelectChoice(str(p[0]), p[1]) for p in pairs or ()]


# A posted value no option has (a crafted post): WTForms' own words are English only.
INVALID_CHOICE = _l("Choose one of the options.")


class ChoiceField(SelectField):
    """A select whose values are strings (``""``: none chosen), given as ``(value,
    label)`` pairs; an unknown value is a field error in the reader's language."""

    def __init__(self, label=None, validators=None, choices=(), **kwargs):
        kwargs.setdefault("invalid_choice_message", INVALID_CHOICE)
        super().__init__(label, validators, choices=as_choices(choices), **kwargs)

    @SelectField.choices.setter
    def choices(self, value):
        SelectField.choices.fset(self, as_choices(value))


class Required(DataRequired):
    """Like DataRequired, but text of spaces is empty, nothing typed says "required"
    even where the field could not read it, and a value that was typed but could not be
    read keeps its own error ("Enter a date such as ...")."""

    def __call__(self, form, field):
        raw = field.raw_data[0] if field.raw_data else ""
        if isinstance(raw, str) and not raw.strip():
            field.errors[:] = []
            raise StopValidation(self.message)
        if field.process_errors:
            raise StopValidation()
        if isinstance(field.data, str) and not field.data.strip():
            field.data = ""
        super().__call__(form, field)


def required(message=None):
    return Required(message=message or _l("This field is required."))


def bounded_text(label, required: bool = False, max_length: int = MAX_TEXT, multiline: bool = True, **kw):
    """A free-text field with a length limit stated in its error."""
    from wtforms.validators import DataRequired, Optional

    validators = [no_control_characters,
                  DataRequired(message=_l("This field is required.")) if required else Optional(),
                  Length(max=max_length, message=_l("At most %(max)d characters.", max=max_length))]
    cls = TextAreaField if multiline else StringField
    return cls(label, validators=validators, **kw)


def summary_text(label: str, message: str) -> str:
    """A field's error as the error summary names it: "Amount: Enter an amount." A label
    that is a sentence of its own (a follow-up question: "The person's housing is safe
    and adequate.", "How often ...?") is followed by the message as the next sentence,
    not by a colon after its full stop or question mark (".:", "?:")."""
    if label.endswith((".", "?", "!")):
        return f"{label} {message}"
    return f"{label}: {message}"


def form_error_items(form: FlaskForm) -> list[dict]:
    """Every field error as ``{"id", "message"}``, named by its field's label, for the
    error summary. Nested forms (FieldList / FormField) are flattened; a row of a
    FieldList whose form has ``row_label(number)`` is named by it too ("Line 2, Month:
    ..."), so that the summary says which of many alike rows the error is on. The
    number is the row's position in the list from 1, as the page numbers its rows."""
    items: list[dict] = []

    def walk(f, row: str | None = None):
        if hasattr(f, "entries"):  # FieldList
            for number, entry in enumerate(f.entries, start=1):
                named = getattr(getattr(entry, "form", None), "row_label", None)
                walk(entry, str(named(number)) if callable(named) else row)
            return
        if hasattr(f, "form") and hasattr(f.form, "_fields") and f.type == "FormField":
            for sub in f.form:
                walk(sub, row)
            return
        for message in f.errors if isinstance(f.errors, list) else []:
            if isinstance(f, HiddenField):  # the CSRF or a one-time token: no input on the page to link to
                items.append({"id": None, "message": message})
            else:
                label = f"{row}, {f.label.text}" if row else f.label.text
                items.append({"id": f.id, "message": summary_text(label, message)})

    for f in form:
        walk(f)
    for message in getattr(form, "form_errors", []):
        items.append({"id": None, "message": message})
    return items


def shown_status(form: FlaskForm) -> int:
    """The status of a page showing ``form``: 422 when it was sent and is shown again
    with errors (its error summary not empty), else 200. A form opened (GET) is never
    refused, even with an error it states up front."""
    return 422 if form.is_submitted() and form_error_items(form) else 200


def not_in_future(today_fn):
    def check(form, field):
        if field.data and field.data > today_fn():
            raise ValidationError(_l("The date cannot be in the future."))

    return check


REQUEST_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")


def new_request_token() -> str:
    return secrets.token_urlsafe(24)


class RequestTokenField(HiddenField):
    """A form's one-time token: made when the form is shown, sent back with it, stored
    with what it records, so the same form sent twice (a double click, a resend) records
    once. ``required``: a post without a well-formed token is refused with
    ``stale_message`` (the page shown again carries a fresh one); otherwise such a post
    records without the guard (only a client other than the form's page sends none)."""

    required = False
    stale_message = None

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, default=new_request_token, **kwargs)

    def process_formdata(self, valuelist):
        value = valuelist[0] if valuelist else ""
        self.data = value if REQUEST_TOKEN.fullmatch(value) else None

    def pre_validate(self, form):
        if self.data is None and self.required:
            self.data = new_request_token()
            raise ValidationError(self.stale_message)
