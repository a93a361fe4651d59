"""The follow-up forms: return date, report, disbursement, attachments, alert and
closure. Fields say what they accept; the rules that need the database (the line's
approved amount, the period) are checked by the operations and shown at the field."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask_babel.speaklater import LazyString
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, MultipleFileField
from wtforms.validators import Optional, ValidationError

from .. import uploads
from ..domain.followup import (DUE, NOT_REQUIRED, OVERDUE, REFUSED_CASE_CLOSED, REFUSED_NOT_OPEN_YET, REFUSED_SUBMITTED,
                               RISK_INDICATORS, SUBMITTED)
from ..forms import (AmountField, ChoiceField as _Choice, DayField as _Day, RequestTokenField, bounded_text,
                     new_request_token, plain_number, required)  # noqa: F401 (new_request_token: the views')
from ..i18n import format_day, gettext as _, language, lazy_gettext as _l, lazy_pgettext
from .questions import QuestionSet

CONTACT_KINDS = (("visit", _l("Home visit")), ("phone", _l("Phone call")), ("video", _l("Video call")),
                 ("office", _l("Meeting at the office")))
ACTIVITY_STATUSES = (("running", _l("Running as planned")), ("delayed", _l("Delayed")),
                     ("changed", _l("Changed to another activity")), ("failed", _l("Failed or stopped")))
RISK_LABELS = {
    "trafficker_ties": _l("The trafficker (or people linked to them) still has contact with or a hold over the person"),
    "debt_to_trafficker": _l("The person is still being asked to pay a debt to the trafficker"),
    "threats": _l("The person or their family has been threatened"),
    "ongoing_consequences": _l("The person still suffers from what happened and could be trafficked again"),
}
# An alert raised from a report send that could not be saved (``RiskAlert.refused``): its
# signs are not in the report it is linked to, and the reader must know why.
REFUSED_ALERT_LABELS = {
    REFUSED_SUBMITTED: _l("Marked in a report that could not be saved, because a colleague had submitted it first. "
                    "These signs are not in the submitted report."),
    REFUSED_CASE_CLOSED: _l("Marked in a report that could not be saved, because the case had been closed. These "
                      "signs are not in any report."),
    REFUSED_NOT_OPEN_YET: _l("Marked in the final report, which could not be saved, because it was sent before "
                             "the last day of the reintegration period. These signs are not in any report."),
}
EARLY_CLOSURE_REASONS = (("completed", _l("Reintegration completed")), ("withdrew", _l("The person withdrew")),
                         ("contact_lost", _l("Contact lost")))
CLOSURE_REASONS = {**dict(EARLY_CLOSURE_REASONS), "period_ended": _l("Period ended")}
# "Due" as a report's state, not the due date beside it (Danish says "Skal sendes", not "Frist").
REPORT_STATES = {SUBMITTED: _l("Submitted"), DUE: lazy_pgettext("report state", "Due"), OVERDUE: _l("Overdue")}
MAX_LOCAL = Decimal("1000000000000")
MAX_DKK = Decimal("10000000")
MAX_FILES = uploads.MAX_FILES


def report_state_label(state: str, closed_on: date | None = None, send_by: date | None = None) -> str:
    """A report's state (``domain.followup.report_state``) in words, as the pages, the
    partner portal and the summary workbook say it: a report not required names the day
    its case was closed (``closed_on``, when known); one due whose due date has passed
    names the last day it is in time (``send_by``, ``status.ReportRow``)."""
    if state == NOT_REQUIRED:
        if closed_on is None:
            return _("Not required: the case is closed")
        return _("Not required: the case was closed on %(day)s", day=format_day(closed_on))
    if state == DUE and send_by is not None:
        return _("Send by %(day)s", day=format_day(send_by))
    return str(REPORT_STATES.get(state, state))


def DayField(label, validators=None, **kwargs):
    """Follow-up dates: nothing in the reintegration year lies before 2000."""
    return _Day(label, validators, earliest_year=2000, **kwargs)


class _MustChoose:
    """Marks a choice as required (the label shows no "optional"); ``pre_validate`` checks it."""

    field_flags = {"required": True}

    def __call__(self, form, field):
        return None


class ChoiceField(_Choice):
    """A required select with string values; an unknown or empty value is a field error
    in our words."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, [_MustChoose(), *(validators or [])], **kwargs)

    def pre_validate(self, form):
        if self.data not in {choice.value for choice in self.choices if choice.value != ""}:
            raise ValidationError(_l("Choose one of the options."))


class RevisionField(HiddenField):
    """The revision the user started from (optimistic locking)."""

    def process_formdata(self, valuelist):
        self.data = plain_number(valuelist[0]) if valuelist else None


class PaymentTokenField(RequestTokenField):
    """The payment form's one-time token (``Disbursement.request_token``): one payment
    per form however often it is sent."""

    required = True
    stale_message = _l("This form is out of date, so nothing was recorded. Check the payments of the case, then "
                       "send the form again.")


def not_in_future(today_fn):
    def check(form, field):
        if field.data and field.data > today_fn():
            raise ValidationError(_l("The date cannot be in the future."))

    return check


def accepted_files(form, field):
    """Each chosen file must be a PDF, JPEG, PNG or HEIC image within the size limit,
    judged by its content. Nothing is stored here."""
    files = [f for f in (field.data or []) if getattr(f, "filename", None) or getattr(f, "content_length", 0)]
    files = [f for f in files if hasattr(f, "stream")]
    if len(files) > MAX_FILES:
        raise ValidationError(_l("Attach at most %(n)d files at a time.", n=MAX_FILES))
    for storage in files:
        try:
            uploads.check(storage.stream)
        except uploads.UploadError as error:
            field.refused_file = storage  # the views ask for the others again by name
            raise ValidationError(upload_message(error, storage.filename)) from None


def upload_message(error: uploads.UploadError, filename: str | None):
    name = uploads.base_name(filename)[:80] or _l("The file")
    if error.code == "empty":
        return _l("%(name)s is empty.", name=name)
    if error.code == "too_large":
        return _l("%(name)s is larger than %(mb)s MB. Nothing was saved.", name=name,
                  mb=(error.limit or 0) // (1024 * 1024) or 1)
    if uploads.named_as_accepted(filename):
        return _l("%(name)s is not a PDF, JPEG, PNG or HEIC file: its name says so, but its content does not "
                  "(it may be damaged). Nothing was saved.", name=name)
    return _l("%(name)s is not a PDF, JPEG, PNG or HEIC file. Save it as a PDF or take a photo of it, then "
              "choose it again. Nothing was saved.", name=name)


def unstored_message(names: str, *, optional: bool):
    """The files sent could not be written on the server (``uploads`` code ``unstored``):
    nothing was saved, what was typed is kept. A report or a payment (``optional``) can be
    sent without its files, which can be added later on the attachments page."""
    if optional:
        return _l("The server could not store the files you chose (%(names)s), so nothing was saved. What you "
                  "entered is kept below: choose the files again and send it again. If it fails again, send it "
                  "without the files and add them later on the page for receipts and photos.", names=names)
    return _l("The server could not store the files you chose (%(names)s), so nothing was saved. Choose them "
              "again and send them again. If it fails again, try again later.", names=names)


def chosen_files(field) -> list:
    """The uploaded files of a file field, leaving out empty file inputs."""
    return [f for f in (field.data or []) if hasattr(f, "stream") and f.filename]


def files_hint() -> str:
    """What the file fields take, limits included, so nobody learns them from a refusal."""
    return _("Receipts, photos or signed documents: PDF, JPEG, PNG or HEIC, at most %(n)d files, each at "
             "most %(mb)d MB.", n=MAX_FILES, mb=max(1, uploads.max_bytes() // (1024 * 1024)))


def files_field(label=None, required: bool = False):
    """A file field; ``required`` (the form checks that a file is chosen) marks it so,
    and its label says no "optional"."""
    return MultipleFileField(label or _l("Attachments"), validators=[*([_MustChoose()] if required else []),
                                                                     accepted_files],
                             description=LazyString(files_hint))


class ReturnForm(FlaskForm):
    return_date = DayField(_l("Date of departure from Denmark"), validators=[required()])
    revision = RevisionField()


class AlertIdsField(HiddenField):
    """The ids of the open risk alerts a form showed, comma-separated, as a frozenset.
    Anything that is not a plain number is left out: the server compares the set with
    the alerts open now, so a damaged value only asks the user to confirm again."""

    MAX_IDS = 200

    def process_formdata(self, valuelist):
        parts = (valuelist[0] if valuelist else "").split(",")[:self.MAX_IDS]
        self.data = frozenset(n for n in (plain_number(p) for p in parts) if n is not None)

    def _value(self):
        return ",".join(str(n) for n in sorted(self.data or ()))


class CloseCaseForm(FlaskForm):
    reason = ChoiceField(_l("Reason"), choices=[("", _l("Choose a reason"))] + list(EARLY_CLOSURE_REASONS))
    note = bounded_text(_l("Note"), required=True, max_length=2000)
    # Shown only while the case has open risk alerts; the server asks for it then
    # (``ops.close_case``), and compares the alerts the form showed with those open now.
    confirm_alerts = BooleanField(_l("I have read the open risk alerts and close the case anyway; the alerts stay "
                                     "open for CMM and DRC"))
    shown_alerts = AlertIdsField()


class CloseAlertForm(FlaskForm):
    action = bounded_text(_l("What was done"), required=True, max_length=2000,
                          description=_l("For example: the person was contacted, moved, referred to the police."))


class AlertNoteForm(FlaskForm):
    """A note added to the record of an alert someone else closed (``ops.add_alert_note``)."""
    note = bounded_text(_l("What was done"), required=True, max_length=2000,
                        description=_l("Your note is added after what is recorded, with your name and the time. "
                                       "Nothing recorded is replaced."))


class DisbursementForm(FlaskForm):
    line_key = ChoiceField(_l("Budget line"))
    paid_on = DayField(_l("Date paid or bought"), validators=[required()])
    amount_local = AmountField(_l("Amount in local currency"), validators=[Optional()], max_value=MAX_LOCAL,
                               description=_l("For lines in a local currency the DKK amount is worked out from "
                                              "it. For lines in DKK it may be given as well, and is kept beside "
                                              "the DKK amount."))
    amount_dkk = AmountField(_l("Amount in DKK"), validators=[Optional()], max_value=MAX_DKK,
                             description=_l("Only for lines without a local currency: otherwise the DKK "
                                            "amount is computed at the rate approved for the line."))
    note = bounded_text(_l("Note"), max_length=500, multiline=False)
    files = files_field(_l("Receipt or photo"))
    # Shown only when a payment the same as this one is recorded already
    # (``ops.record_disbursement``): ticked, the payment is recorded as a second one.
    another = BooleanField(_l("This is another payment: record it as well"))
    request_token = PaymentTokenField()


class AttachmentForm(FlaskForm):
    target = ChoiceField(_l("Attach to"))
    files = files_field(_l("Files"), required=True)

    def validate_files(self, field):
        if not chosen_files(field):
            raise ValidationError(_l("Choose at least one file."))


class ReportFormBase(FlaskForm):
    revision = RevisionField()
    contact_date = DayField(_l("Date of contact"), validators=[required()])
    contact_kind = ChoiceField(_l("Kind of contact"), choices=[("", _l("Choose"))] + list(CONTACT_KINDS))
    activity_status = ChoiceField(_l("State of the income activity"),
                                  choices=[("", _l("Choose"))] + list(ACTIVITY_STATUSES))
    income_local = AmountField(_l("Monthly income in local currency"), validators=[Optional()],
                               max_value=MAX_LOCAL, allow_zero=True)
    monthly_income = AmountField(_l("Monthly income in DKK"), validators=[Optional()], max_value=MAX_DKK,
                                 allow_zero=True)
    housing = bounded_text(_l("Housing"), max_length=2000)
    health = bounded_text(_l("Health"), max_length=2000)
    schooling = bounded_text(_l("Children's schooling"), max_length=2000)
    wellbeing = bounded_text(_l("Wellbeing"), max_length=2000)
    notes = bounded_text(_l("Other notes"), max_length=5000)
    files = files_field()

    question_keys: tuple[str, ...] = ()

    def answers(self) -> dict[str, str]:
        return {key: self[f"q_{key}"].data for key in self.question_keys}

    def risk_indicators(self) -> tuple[str, ...]:
        return tuple(key for key in RISK_INDICATORS if self[f"risk_{key}"].data)

    def question_fields(self, dimension_questions):
        return [self[f"q_{q.key}"] for q in dimension_questions]

    def risk_fields(self):
        return [self[f"risk_{key}"] for key in RISK_INDICATORS]


def report_form(questions: QuestionSet, **kwargs) -> ReportFormBase:
    """A report form with one field per programme question (answers as data) and one
    checkbox per risk indicator, labelled in the reader's language."""
    locale = language()

    class ReportForm(ReportFormBase):
        pass

    for question in questions.questions:
        choices = [("", _l("Choose an answer"))] + [(o.key, o.label_in(locale)) for o in question.options]
        setattr(ReportForm, f"q_{question.key}", ChoiceField(question.text_in(locale), choices=choices))
    for key in RISK_INDICATORS:
        setattr(ReportForm, f"risk_{key}", BooleanField(RISK_LABELS[key]))
    ReportForm.question_keys = tuple(q.key for q in questions.questions)
    return ReportForm(**kwargs)
