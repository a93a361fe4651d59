import re

from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField
from wtforms.validators import Optional

from ..forms import ChoiceField, DayField, bounded_text
from ..i18n import lazy_gettext as _l
from ..paging import MAX_PAGE


class PageField(IntegerField):
    """The page of the trail, as the page links carry it; anything else (0, "x", a
    number past any data) is an error in the reader's language."""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        raw = valuelist[0][:20].strip()
        if not raw:
            self.data = None
            return
        if not re.fullmatch(r"\d{1,7}", raw) or not 1 <= int(raw) <= MAX_PAGE:
            self.data = None
            raise ValueError(_l("Enter a page number from 1 to %(max)d.", max=MAX_PAGE))
        self.data = int(raw)


class AuditFilterForm(FlaskForm):
    """Filters read from the query string (a GET form: nothing changes, no CSRF)."""

    class Meta:
        csrf = False

    user = ChoiceField(_l("User"), validators=[Optional()], validate_choice=False)
    action = bounded_text(_l("Action"), max_length=64, multiline=False,
                          description=_l("The start of the action, e.g. case. or auth.login"))
    case = bounded_text(_l("Case reference"), max_length=32, multiline=False)
    date_from = DayField(_l("From date"), validators=[Optional()])
    date_to = DayField(_l("To date"), validators=[Optional()])
    page = PageField(_l("Page"), validators=[Optional()])


class LegalHoldForm(FlaskForm):
    revision = HiddenField()
