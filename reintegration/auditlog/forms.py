from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, IntegerField, StringField
from wtforms.validators import Length, NumberRange, Optional

from ..forms import ChoiceField
from ..i18n import lazy_gettext as _l


class AuditFilterForm(FlaskForm):
    """Filters read from the query string (a GET form: nothing changes, no CSRF)."""

    class Meta:
        csrf = False

    user = ChoiceField(_l("User"), validators=[Optional()], validate_choice=False)
    action = StringField(_l("Action"), description=_l("The start of the action, e.g. case. or auth.login"),
                         validators=[Optional(), Length(max=64)])
    case = StringField(_l("Case reference"), validators=[Optional(), Length(max=32)])
    date_from = DateField(_l("From date"), validators=[Optional()])
    date_to = DateField(_l("To date"), validators=[Optional()])
    page = IntegerField(validators=[Optional(), NumberRange(min=1, max=10**6)])


class LegalHoldForm(FlaskForm):
    revision = HiddenField()
