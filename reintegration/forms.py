"""Form pieces shared by every area: amount fields in the user's language, and the
error list that feeds the error summary."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, StringField, TextAreaField
from wtforms.validators import Length, ValidationError

from .i18n import AmountError, format_amount, parse_amount

# Long enough for any real note; short enough that 10 MB of text is a field error.
MAX_TEXT = 5000


class AmountField(Field):
    """A kroner amount typed the user's way (``12.500,50`` in Danish). At most two
    decimals; never a float."""

    widget = StringField.widget

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
        if value < 0 or (value == 0 and not self.allow_zero):
            self.data = None
            raise ValueError(_l("The amount must be greater than zero."))
        if self.max_value is not None and value > self.max_value:
            self.data = None
            raise ValueError(_l("The amount is too large."))
        self.data = value


def bounded_text(label, required: bool = False, max_length: int = MAX_TEXT, multiline: bool = True, **kw):
    """A free-text field with a length limit stated in its error."""
    from wtforms.validators import DataRequired, Optional

    validators = [DataRequired(message=_l("This field is required.")) if required else Optional(),
                  Length(max=max_length, message=_l("At most %(max)d characters.", max=max_length))]
    cls = TextAreaField if multiline else StringField
    return cls(label, validators=validators, **kw)


def form_error_items(form: FlaskForm) -> list[dict]:
    """Every field error as ``{"id", "message"}``, named by its field's label, for the
    error summary. Nested forms (FieldList / FormField) are flattened."""
    items: list[dict] = []

    def walk(f):
        if hasattr(f, "entries"):  # FieldList
            for entry in f.entries:
                walk(entry)
            return
        if hasattr(f, "form") and hasattr(f.form, "_fields") and f.type == "FormField":
            for sub in f.form:
                walk(sub)
            return
        for message in f.errors if isinstance(f.errors, list) else []:
            if f.type == "CSRFTokenField":
                items.append({"id": None, "message": message})
            else:
                items.append({"id": f.id, "message": f"{f.label.text}: {message}"})

    for f in form:
        walk(f)
    for message in getattr(form, "form_errors", []):
        items.append({"id": None, "message": message})
    return items


def not_in_future(today_fn):
    def check(form, field):
        if field.data and field.data > today_fn():
            raise ValidationError(_l("The date cannot be in the future."))

    return check
