"""Hypothesis drives every form with arbitrary input: no 500 and no traceback, ever.

Every GET page of the URL map is opened as a role allowed to see it (objects from the
access-matrix world); every form on it (POST and GET, found with lxml, except the
sign-out button) is sent with generated values for each field and file, plus the
page's CSRF token. Bounded: ``max_examples=25`` per page.
"""

from __future__ import annotations

import io
from urllib.parse import urljoin, urlparse

import lxml.html
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from reintegration.access import PUBLIC
from test_access_matrix import ROLES, RULES, _client_for, _urls, world  # noqa: F401

NASTY = ["", " ", "0", "-1", "1e309", "NaN", "inf", "2026-02-30", "0000-00-00", "99999999999999999999999",
         "12.500,50", "1,5", "-0,01", "<script>alert(1)</script>", "' OR 1=1 --", "\x00", "../../etc/passwd",
         "report:999999", "disbursement:abc", "approve", "send_back", "reject", "on", "off", "ä" * 300,
         "x" * 6000]
VALUES = st.one_of(st.sampled_from(NASTY), st.text(max_size=40), st.from_regex(r"-?\d{1,12}([.,]\d{1,4})?", fullmatch=True))
FILES = st.one_of(st.binary(max_size=200), st.sampled_from([b"%PDF-1.4\n%%EOF", b"\x89PNG\r\n\x1a\n", b""]))
SKIP_ACTIONS = ("/logout",)

GET_PAGES = sorted({(endpoint, path, args) for endpoint, path, method, args in RULES
                    if method == "GET" and not endpoint.endswith("vendor")})


def _actor(roles):
    if PUBLIC in roles:
        return None
    return next(role for role in ROLES if role in roles)


def _forms(html: str, page_url: str, endpoint: str):
    doc = lxml.html.fromstring(html)
    found = []
    for form in doc.forms:
        action = urlparse(urljoin("http://localhost" + page_url, form.get("action") or page_url))
        target = action.path + (f"?{action.query}" if action.query else "")
        if action.path in SKIP_ACTIONS or (action.path == "/language" and endpoint != "auth.login"):
            continue  # the layout's forms: sign-out is skipped, the language form fuzzed once
        fields = []
        for el in form.inputs:
            name = el.get("name")
            if not name:
                continue
            kind = (el.get("type") or el.tag).lower()
            fields.append((name, kind, el.get("value") or ""))
        found.append(((form.get("method") or "get").lower(), target, fields))
    return found


@pytest.mark.parametrize("page", GET_PAGES, ids=[f"{p[0]} {p[1]}" for p in GET_PAGES])
def test_every_form_survives_arbitrary_input(world, page):  # noqa: F811
    app, sides = world
    endpoint, _path, args = page
    roles = app.view_functions[endpoint].access_roles
    role = _actor(roles)
    user_id = sides["own"]["users"][role] if role else None
    client, _token = _client_for(app, user_id)
    page_url = None
    for url in _urls(app, endpoint, args, sides["own"]):
        response = client.get(url)
        assert response.status_code < 500, f"GET {url}: {response.status_code}"
        if response.status_code == 200 and response.mimetype == "text/html" and _forms(
                response.get_data(as_text=True), url, endpoint):
            page_url = url
            break
    if page_url is None:
        return  # no form on this page

    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(pool=st.lists(VALUES, min_size=60, max_size=60), blobs=st.lists(FILES, min_size=4, max_size=4),
           keep_buttons=st.booleans())
    def fuzz(pool, blobs, keep_buttons):
        client, _token = _client_for(app, user_id)
        response = client.get(page_url)
        assert response.status_code < 500, f"GET {page_url}: {response.status_code}"
        if response.status_code != 200:
            return  # an earlier example changed the object (e.g. closed it)
        n = 0
        for method, target, fields in _forms(response.get_data(as_text=True), page_url, endpoint):
            values, files = {}, {}
            for name, kind, value in fields:
                n += 1
                if name == "csrf_token" or name.endswith("-csrf_token"):
                    values[name] = value
                elif kind == "file":
                    files[name] = (io.BytesIO(blobs[n % len(blobs)]), "upload.pdf")
                elif kind == "submit" and keep_buttons:
                    values[name] = value
                else:
                    values[name] = pool[n % len(pool)]
            if method == "post":
                response = client.post(target, data={**values, **files}, content_type="multipart/form-data")
            else:
                response = client.get(target, query_string=values)
            body = response.get_data(as_text=True)
            assert response.status_code < 500, \
                f"{method.upper()} {target} as {role}: {response.status_code} {values}"
            assert "Traceback" not in body

    fuzz()
