from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from ..i18n import lazy_gettext as _l


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(message=_l("Enter your e-mail address.")),
                                                 Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(message=_l("Enter your password.")),
                                                         Length(max=1000)])


class CodeForm(FlaskForm):
    """The second step: a 6-digit code from the authenticator app, or a recovery code."""

    code = StringField(_l("Code"), validators=[DataRequired(message=_l("Enter the code.")),
                                               Length(max=32, message=_l("The code is too long."))])


class ConfirmCodeForm(FlaskForm):
    """A 6-digit authenticator code confirming a change to two-factor authentication."""

    code = StringField(_l("Code from the authenticator app"),
                       validators=[DataRequired(message=_l("Enter the code.")),
                                   Length(max=32, message=_l("The code is too long."))])
