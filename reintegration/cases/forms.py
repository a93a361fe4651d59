"""The case form: the person, their children, the return and the people around it.

Select values are strings (``""`` is "none chosen"); :meth:`CaseForm.case_input`
turns a valid form into the operation's input. Choices that come from the database
(partners, users) are set by :func:`reintegration.cases.queries.fill_choices`, so the
validators below never query.
"""

from __future__ import annotations

from datetime import date

from flask import current_app
from flask_wtf import FlaskForm
from wtforms import BooleanField, FieldList, Form, FormField, HiddenField
from wtforms.validators import Length, Optional, ValidationError

from ..domain.followup import reflection_period_violations
from ..forms import ChoiceField, DayField, RequestTokenField, TextField, required
from ..i18n import format_day, gettext as _, lazy_gettext as _l, local_today
from .countries import country_choices
from .operations import CaseInput, ChildInput

MAX_CHILDREN = 20
SEXES = (("female", _l("Female")), ("male", _l("Male")), ("other", _l("Other")))
LIVES_IN = (("home_country", _l("In the home country")), ("denmark", _l("In Denmark")))


def today() -> date:
    return local_today()


def _no_future(form, field):
    if field.data and field.data > today():
        raise ValidationError(_l("The date cannot be in the future."))


class ChildForm(Form):
    first_name = TextField(_l("First name"), validators=[
        Optional(), Length(max=100, message=_l("At most %(max)d characters.", max=100))])
    date_of_birth = DayField(_l("Date of birth"), validators=[
        required(_l("Enter the child's date of birth.")), _no_future])
    lives_in = ChoiceField(_l("Lives"), choices=LIVES_IN, default="home_country",
                           validators=[required(_l("Choose where the child lives."))])


class CaseForm(FlaskForm):
    revision = HiddenField()
    # The new-case form's one-time token: sent twice, it creates one case (shown only there).
    request_token = RequestTokenField()
    person_name = TextField(_l("Full name"), validators=[
        required(_l("Enter the person's name.")), Length(max=200, message=_l("At most %(max)d characters.", max=200))])
    person_date_of_birth = DayField(_l("Date of birth"), validators=[
        required(_l("Enter the person's date of birth.")), _no_future])
    person_sex = ChoiceField(_l("Sex"), choices=[])
    nationality = ChoiceField(_l("Nationality"), choices=[])
    unaccompanied_minor = BooleanField(_l("Unaccompanied minor"))
    children = FieldList(FormField(ChildForm), label=_l("Children"), min_entries=0, max_entries=MAX_CHILDREN)
    return_country = ChoiceField(_l("Country of return"), choices=[],
                                 validators=[required(_l("Choose the country of return."))])
    partner_id = ChoiceField(_l("Partner organisation"), choices=[])
    cmm_contact_id = ChoiceField(_l("CMM contact"), choices=[])
    caseworker_id = ChoiceField(_l("Responsible caseworker"), choices=[],
                                validators=[required(_l("Choose the responsible caseworker."))])
    reflection_start = DayField(_l("Reflection period starts"), validators=[Optional()])
    reflection_end = DayField(_l("Reflection period ends"), validators=[Optional()])
    planned_return = DayField(_l("Planned return date"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        countries = list(country_choices())
        self.person_sex.choices = [("", _l("Not stated"))] + list(SEXES)
        self.nationality.choices = [("", _l("Not stated"))] + countries
        self.return_country.choices = [("", _l("Choose a country"))] + countries
        # {partner id: country}, set with the partner choices.
        self.partner_countries: dict[str, str] = {}
        self.reflection_hint = None
        for number, entry in enumerate(self.children, start=1):
            for sub in entry.form:
                sub.label.text = _("Child %(n)d: %(field)s", n=number, field=sub.label.text)

    # --- validation across fields -------------------------------------------------

    def validate_partner_id(self, field):
        country = self.partner_countries.get(field.data)
        if field.data and self.return_country.data and country != self.return_country.data:
            raise ValidationError(_l("This partner does not work in the country of return. Choose a partner there, or none."))

    def validate_reflection_end(self, field):
        start, end = self.reflection_start.data, field.data
        if end and not start:
            raise ValidationError(_l("Enter the start of the period as well."))
        if not (start and end):
            return
        table = rate_table_for(start)
        if table is None:
            return
        for violation in reflection_period_violations(start, end, table, extended=True):
            if violation.code == "reflection.end_before_start":
                raise ValidationError(_l("The end must be on or after the start."))
            if violation.code == "reflection.too_long":
                raise ValidationError(_l("The period is %(days)d days; even extended it may be at most %(limit)d days.",
                                         days=violation.params["days"], limit=violation.params["limit"]))
        days = (end - start).days
        if days > table.reflection_days:
            self.reflection_hint = _l(
                "%(days)d days is longer than the %(normal)d-day period: this is an extension (at most %(limit)d days).",
                days=days, normal=table.reflection_days, limit=table.reflection_max_days)

    def validate_planned_return(self, field):
        """The person cannot leave before the reflection period has begun (DOMAIN.md, the
        process, step 1). Leaving before it ends is no fault: for a person without legal
        stay the period is an extended departure deadline (the action plan, seed lines
        577-580), and one whose plan is ready and approved early may travel early. A period
        date that could not be read is its own error."""
        start = self.reflection_start.data
        if not field.data or self.reflection_start.errors or self.reflection_end.errors:
            return
        if start and field.data < start:
            raise ValidationError(_l("The planned return cannot be before the reflection period starts (%(day)s).",
                                     day=format_day(start)))

    # --- results ----------------------------------------------------------------------

    def case_input(self) -> CaseInput:
        return CaseInput(
            person_name=self.person_name.data.strip(),
            person_date_of_birth=self.person_date_of_birth.data,
            person_sex=self.person_sex.data or None,
            nationality=self.nationality.data or None,
            unaccompanied_minor=bool(self.unaccompanied_minor.data),
            return_country=self.return_country.data,
            partner_id=_int(self.partner_id.data),
            cmm_contact_id=_int(self.cmm_contact_id.data),
            caseworker_id=_int(self.caseworker_id.data),
            reflection_start=self.reflection_start.data,
            reflection_end=self.reflection_end.data,
            planned_return=self.planned_return.data,
            children=tuple(ChildInput(first_name=(entry.first_name.data or "").strip() or None,
                                      date_of_birth=entry.date_of_birth.data, lives_in=entry.lives_in.data)
                           for entry in self.children),
        )


def rate_table_for(day: date):
    tables = current_app.extensions["rate_tables"]
    return tables.for_date(day) or tables.latest()


def _int(value: str | None) -> int | None:
    return int(value) if value else None


def case_form_data(case, children) -> dict:
    """The form's initial data from a stored case."""
    return {
        "revision": str(case.revision), "person_name": case.person_name,
        "person_date_of_birth": case.person_date_of_birth, "person_sex": case.person_sex or "",
        "nationality": case.nationality or "", "unaccompanied_minor": case.unaccompanied_minor,
        "return_country": case.return_country, "partner_id": _str(case.partner_id),
        "cmm_contact_id": _str(case.cmm_contact_id), "caseworker_id": _str(case.caseworker_id),
        "reflection_start": case.reflection_start, "reflection_end": case.reflection_end,
        "planned_return": case.planned_return,
        "children": [{"first_name": c.first_name or "", "date_of_birth": c.date_of_birth, "lives_in": c.lives_in}
                     for c in children],
    }


def _str(value) -> str:
    return "" if value is None else str(value)


class CaseFilterForm(Form):
    """The case list's search and filters: a GET form, no CSRF (it changes nothing)."""

    q = TextField(_l("Search"), validators=[Optional(), Length(max=100, message=_l("At most %(max)d characters.", max=100))],
                    description=_l("Case reference or the person's name"))
    status = ChoiceField(_l("Status"), choices=[], default="")
    country = ChoiceField(_l("Country of return"), choices=[], default="")
    partner = ChoiceField(_l("Partner organisation"), choices=[], default="")
