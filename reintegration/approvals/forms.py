"""The decision form: approve, send back with the points to fix, or reject with the reason."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField
from wtforms.validators import InputRequired

from ..domain import workflow as wf
from ..forms import INVALID_CHOICE, as_choices, bounded_text
from ..i18n import lazy_gettext as _l


class DecisionForm(FlaskForm):
    action = RadioField(
        _l("Decision"),
        choices=as_choices([(wf.APPROVE, _l("Approve the plan and budget")),
                            (wf.SEND_BACK, _l("Send back for changes")),
                            (wf.REJECT, _l("Reject"))]),
        validators=[InputRequired(message=_l("Choose a decision."))],
        invalid_choice_message=INVALID_CHOICE,  # a crafted value: refused in the reader's language
    )
    # Required to send back or reject (``validate``), not to approve: the hint says so,
    # once, and the review page's label leaves out the form macro's "(optional)".
    reason = bounded_text(_l("Points to fix or reason for rejection"),
                          description=_l("Required when you send the plan back or reject it. "
                                         "The caseworker sees this text."))
    # What the review page showed of the case, its payments and comments
    # (``operations.Seen``): always set by the page, always checked by the decision, which
    # refuses a form without it (a missing field never skips the check).
    seen = HiddenField()

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.action.data in (wf.SEND_BACK, wf.REJECT) and not (self.reason.data or "").strip():
            message = (_l("Write the points to fix.") if self.action.data == wf.SEND_BACK
                       else _l("Write the reason for the rejection."))
            self.reason.errors = [*self.reason.errors, message]
            ok = False
        return ok
