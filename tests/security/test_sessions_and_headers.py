"""Security headers on every response; sessions end at sign-out and after inactivity."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

import itsdangerous.timed
import pytest

from support import CSRF_RE, TEST_PASSWORD
from reintegration.security import CSP


def test_headers_on_every_kind_of_response(client):
    for url in ("/login", "/health", "/no-such-page"):
        h = client.get(url).headers
        assert "unsafe-inline" not in h["Content-Security-Policy"]
        assert "unsafe-eval" not in h["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in h["Content-Security-Policy"]
        assert "script-src 'self'" in h["Content-Security-Policy"]
        assert h["X-Content-Type-Options"] == "nosniff"
        assert h["Referrer-Policy"] in ("same-origin", "no-referrer", "strict-origin")
        assert "Strict-Transport-Security" not in h  # plain HTTP: no HSTS
    assert "unsafe-inline" not in CSP


def test_hsts_only_over_https(client):
    h = client.get("/login", base_url="https://localhost").headers
    assert h["Strict-Transport-Security"].startswith("max-age=31536000")


def test_pages_are_not_cached_but_the_design_systems_files_are(client):
    for url in ("/login", "/health", "/no-such-page"):
        assert client.get(url).headers["Cache-Control"] == "private, no-store"
    static = client.get("/vendor/dkfds/css/dkfds.min.css")
    assert static.status_code == 200 and "no-store" not in static.headers["Cache-Control"]


def _cookie(client):
    return client.get_cookie("session").value


def test_sign_out_ends_the_session_even_for_a_replayed_cookie(app, client, auth):
    auth.login("caseworker")
    assert client.get("/account/two-factor").status_code == 200
    stolen = _cookie(client)
    auth.logout()
    assert client.get("/account/two-factor").status_code == 302
    other = app.test_client()
    other.set_cookie("session", stolen)
    response = other.get("/account/two-factor")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_session_expires_after_inactivity(app, client, auth, monkeypatch):
    auth.login("caseworker")
    assert client.get("/account/two-factor").status_code == 200
    lifetime = app.permanent_session_lifetime.total_seconds()
    real = itsdangerous.timed.TimestampSigner.get_timestamp
    monkeypatch.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp",
                        lambda self: real(self) + int(lifetime) + 5)
    response = client.get("/account/two-factor")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_session_cookie_flags(app, client, auth):
    auth.login("caseworker")
    header = [v for k, v in client.get("/account/two-factor").headers.items() if k == "Set-Cookie"]
    assert header and "HttpOnly" in header[0] and "SameSite=Lax" in header[0]


OFF_SITE = ["//evil.example", "/\t/evil.example", "/\\evil.example", "/\\/evil.example", "/\n/evil.example",
            "/\r\n/evil.example", "https://evil.example/", "javascript:alert(1)", "evil.example"]


@pytest.mark.parametrize("target", OFF_SITE)
def test_after_sign_in_next_never_leads_off_the_site(client, make_user, target):
    user = make_user("caseworker")
    token = CSRF_RE.search(client.get("/login").get_data(as_text=True)).group(1)
    response = client.post("/login?" + urlencode({"next": target}),
                           data={"email": user.email, "password": TEST_PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert not location.netloc and location.path.startswith("/") and not location.path.startswith("//")


@pytest.mark.parametrize("target", OFF_SITE)
def test_the_language_switch_never_leads_off_the_site(client, target):
    token = CSRF_RE.search(client.get("/login").get_data(as_text=True)).group(1)
    response = client.post("/language", data={"lang": "en", "next": target, "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_a_local_next_is_followed(client, make_user):
    user = make_user("caseworker")
    token = CSRF_RE.search(client.get("/login").get_data(as_text=True)).group(1)
    response = client.post("/login?next=/cases%3Fstatus%3Ddraft",
                           data={"email": user.email, "password": TEST_PASSWORD, "csrf_token": token})
    assert response.headers["Location"] == "/cases?status=draft"


@pytest.mark.parametrize(("page", "next_"), [("/partner/", "/partner/"), ("/cases", "/cases"),
                                             ("/cases?status=draft", "/cases?status=draft")])
def test_signing_in_comes_back_to_the_page_without_a_stray_question_mark(client, auth, page, next_):
    """The page asked for while signed out, and the language form's and the session
    warning's way back, are the page's address: its query only where it has one."""
    response = client.get(page)
    assert response.status_code == 302
    assert parse_qs(urlsplit(response.headers["Location"]).query)["next"] == [next_]
    auth.login("caseworker")
    html = client.get(page if page != "/partner/" else "/cases").get_data(as_text=True)
    here = next_ if page != "/partner/" else "/cases"
    assert f'name="next" value="{here}"' in html.replace("&amp;", "&")
    assert 'value="/cases?"' not in html and "next=%2Fcases%3F&" not in html


@pytest.mark.parametrize(("query", "next_"), [(b"q=%C3%A6", "/cases?q=%C3%A6"), (b"q=\xc3\xa6", "/cases?q=%C3%A6"),
                                              (b"q=\xff&status=draft", "/cases?q=%FF&status=draft")])
def test_a_query_outside_ascii_comes_back_as_sent(client, query, next_):
    """A raw byte outside ASCII in the query (a browser percent-encodes it; a script may
    not) is carried percent-encoded: the same bytes, also when they are not UTF-8."""
    response = client.get("/cases", environ_overrides={"QUERY_STRING": query.decode("latin-1")})  # WSGI: bytes as latin-1
    assert response.status_code == 302
    assert parse_qs(urlsplit(response.headers["Location"]).query)["next"] == [next_]

