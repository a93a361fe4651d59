"""Forms for the administrator's pages. Choices from the database are set by the views."""

from __future__ import annotations

import re

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField
from wtforms.validators import Length, Optional, Regexp, ValidationError

from ..forms import ChoiceField, TextField, required
from ..i18n import is_time_zone, lazy_gettext as _l
from ..models.organisations import ACTIVE, INACTIVE, PARTNER, PROSPECTIVE

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
LOCALES = (("da", "Dansk"), ("en", "English"))
ORGANISATION_KINDS = (
    ("drc", _l("DRC Danish Refugee Council")),
    ("cmm", _l("Center against Human Trafficking (CMM)")),
    ("hjemrejsestyrelsen", _l("Danish Return Agency (Hjemrejsestyrelsen)")),
    (PARTNER, _l("Partner organisation in a country of return")),
    ("admin", _l("Administration")),
)
ORGANISATION_STATUSES = ((ACTIVE, _l("Active")), (PROSPECTIVE, _l("Prospective")), (INACTIVE, _l("Inactive")))


def _length(n: int):
    return Length(max=n, message=_l("At most %(max)d characters.", max=n))


def _email(form, field):
    if field.data and not _EMAIL.match(field.data.strip()):
        raise ValidationError(_l("Enter an e-mail address such as name@example.org."))


class UserForm(FlaskForm):
    name = TextField(_l("Name"), validators=[required(_l("Enter the name.")), _length(200)])
    email = TextField(_l("E-mail"), validators=[required(_l("Enter the e-mail address.")), _length(254), _email])
    organisation_id = ChoiceField(_l("Organisation"), validators=[required(_l("Choose the organisation."))])
    role = ChoiceField(_l("Role"), validators=[required(_l("Choose the role."))],
                       description=_l("The role must fit the organisation: caseworkers belong to DRC, approvers to "
                                      "Hjemrejsestyrelsen, partner officers to a partner."))
    locale = ChoiceField(_l("Language"), choices=LOCALES, default="da")
    # The account's values as the editor loaded them (``operations.fingerprint``): a
    # save from older values is a conflict, not a lost update.
    fingerprint = HiddenField()


class NewUserForm(UserForm):
    fingerprint = None
    # Partner officers abroad read English; the choice can still be made per user.
    locale = ChoiceField(_l("Language"), choices=(("", _l("By role: English for partner officers, Danish for others")),
                                                  *LOCALES), default="")
    password = PasswordField(_l("Password"), validators=[required(_l("Enter a password.")), _length(1000)],
                             description=_l("At least 12 characters, not a common password. Give it to the user "
                                            "by a safe channel."))


class PasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[required(_l("Enter a password.")), _length(1000)],
                             description=_l("At least 12 characters, not a common password. The user's open "
                                            "sessions end."))


class TwoFactorResetForm(FlaskForm):
    # Whoever can get two-factor sign-in reset can enrol their own phone with the password
    # alone: the administrator confirms who is asking before the reset is done.
    confirm = BooleanField(_l("I have checked that the request comes from the user themselves"),
                           validators=[required(_l("Confirm that you have checked who is asking."))],
                           description=_l("For example in person, or by calling them on a number you already had. "
                                          "An e-mail alone is not enough: someone else may have written it."))


class OrganisationForm(FlaskForm):
    kind = ChoiceField(_l("Kind"), choices=ORGANISATION_KINDS, validators=[required(_l("Choose the kind."))])
    code = TextField(_l("Code"), validators=[
        required(_l("Enter a code.")), _length(64),
        Regexp(r"^[a-z0-9][a-z0-9-]*$", message=_l("Use lower-case letters, digits and hyphens."))],
        description=_l("A stable key, for partners the registry file's name, e.g. ng-edo-reintegration."))
    name = TextField(_l("Name"), validators=[required(_l("Enter the name.")), _length(200)])
    country = ChoiceField(_l("Country"), description=_l("Required for partner organisations."))
    languages = TextField(_l("Languages"), validators=[Optional(), _length(200),
                                                         Regexp(r"^[a-z]{2,3}(,\s*[a-z]{2,3})*$",
                                                                message=_l("Language codes separated by commas, e.g. en,yo."))])
    currency = TextField(_l("Currency"), validators=[Optional(), Regexp(r"^[A-Z]{3}$", message=_l(
        "Three capital letters (ISO 4217), e.g. NGN."))])
    timezone = TextField(_l("Time zone"), validators=[_length(64)], description=_l(
        "Required for partner organisations: where its officers work, as a time zone name such as Africa/Lagos. "
        "The partner portal shows them times in it."))
    contact_name = TextField(_l("Contact person"), validators=[Optional(), _length(200)])
    contact_email = TextField(_l("Contact e-mail"), validators=[Optional(), _length(254), _email])
    contact_phone = TextField(_l("Contact phone"), validators=[Optional(), _length(50)])
    status = ChoiceField(_l("Status"), choices=ORGANISATION_STATUSES, default="active")
    fingerprint = HiddenField()  # as UserForm.fingerprint; empty for a new organisation

    def validate_country(self, field):
        if self.kind.data == PARTNER and not field.data:
            raise ValidationError(_l("Choose the country the partner works in."))

    def validate_timezone(self, field):
        value = (field.data or "").strip()
        if not value and self.kind.data == PARTNER:
            raise ValidationError(_l("Enter the partner's time zone, e.g. Africa/Lagos."))
        if value and not is_time_zone(value):
            raise ValidationError(_l("This is not a time zone name. Use a name such as Africa/Lagos or "
                                     "Asia/Bangkok, with capital letters as written there."))

    def values(self) -> dict:
        def clean(f):
            return (f.data or "").strip() or None

        return {"kind": self.kind.data, "code": self.code.data.strip(), "name": self.name.data.strip(),
                "country": self.country.data or None, "languages": clean(self.languages),
                "currency": clean(self.currency), "timezone": clean(self.timezone),
                "contact_name": clean(self.contact_name), "contact_email": clean(self.contact_email),
                "contact_phone": clean(self.contact_phone), "status": self.status.data}
