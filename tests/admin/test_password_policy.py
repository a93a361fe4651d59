"""The password policy compares the password without the white space around it and
case-folded: spaces or capitals do not get a common password (or one containing the
e-mail address) past it."""

from __future__ import annotations

import sys

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from admin_edit import text_of
from reintegration.admin.operations import PasswordPolicyError, _common_passwords, check_password_policy
from reintegration.models import User

# Every character Python's str.strip() removes: spaces, tabs, line breaks, no-break spaces...
WHITESPACE = [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()]
PADDING = st.text(st.sampled_from(WHITESPACE), max_size=6)
CASINGS = st.sampled_from([str.lower, str.upper, str.title, str.capitalize, str.swapcase])


def _code(password: str, **kw) -> str | None:
    try:
        check_password_policy(password, **kw)
    except PasswordPolicyError as error:
        return error.code
    return None


@pytest.mark.parametrize("password", ["Password1234 ", " password1234", "\tPASSWORD1234\u00a0", " Password1234 \n"])
def test_a_common_password_padded_with_white_space_is_refused(password):
    assert _code("Password1234") == "common"
    assert _code(password) == "common"


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(listed=st.sampled_from(sorted(_common_passwords())), casing=CASINGS, suffix=st.text("0123456789!", max_size=4),
       left=PADDING, right=PADDING)
def test_any_white_space_around_a_listed_password_is_refused(listed, casing, suffix, left, right):
    if listed[-1] in "0123456789!":
        suffix = ""  # the policy strips trailing digits and "!": a suffix would change such an entry
    password = left + casing(listed) + suffix + right
    password += " " * max(0, 12 - len(password))  # padded to 12: refused, by the list or (stripped) the length
    expected = "common" if len(password.strip()) >= 12 else "too_short"
    assert _code(password) == expected, repr(password)


@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
@given(local=st.from_regex(r"[a-z]{4,12}", fullmatch=True), casing=CASINGS, left=PADDING, right=PADDING)
def test_the_e_mail_address_is_found_whatever_the_case_and_white_space(local, casing, left, right):
    password = left + casing(local) + "-Vq7#kLm2pRz" + right
    assert _code(password, email=f"{local}@example.org") == "personal", repr(password)


@settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck))
@given(left=PADDING, right=PADDING)
def test_white_space_around_a_good_passphrase_is_allowed(left, right):
    assert _code(left + "a long and unusual passphrase" + right) is None


def test_an_administrator_cannot_set_a_padded_common_password(client, auth, db, make_user):
    target = make_user("caseworker")
    before = target.password_hash
    auth.login("admin", locale="en")
    response = auth.post(f"/admin/users/{target.id}/password", {"password": "Password1234 "})
    assert response.status_code == 422
    assert "This password is on the list of common passwords. Choose another." in text_of(response.get_data(as_text=True))
    db.expire_all()
    assert db.get(User, target.id).password_hash == before


@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
@given(core=st.text(st.characters(blacklist_categories=("Zs", "Cc", "Zl", "Zp")), min_size=1, max_size=11),
       left=PADDING, right=PADDING)
def test_white_space_around_a_short_password_does_not_make_it_long_enough(core, left, right):
    """"abc" and nine spaces is three characters to guess, not twelve."""
    password = left + core + right + " " * 12
    if len(password.strip()) < 12:
        assert _code(password) == "too_short", repr(password)


def test_twelve_characters_inside_the_white_space_are_enough():
    assert _code("   a long passph   ") is None and _code("abc" + " " * 9) == "too_short"
