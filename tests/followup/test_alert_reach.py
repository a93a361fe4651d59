"""Who in CMM is told of a risk alert, and who can then open the case and act on it.

One rule (``access.scope_for``): a CMM user sees the cases whose CMM contact is in their
organisation and, when a case has no contact yet (or its contact's organisation has no
active CMM user left), the case once it has a risk alert. The
alert's e-mail goes to exactly the active CMM users that rule lets open the case.
"""

from __future__ import annotations

from sqlmodel import select

from reintegration.followup import operations as ops
from reintegration.models import FollowUpReport, RiskAlert


def risky_report(app, db, case, user, *indicators):
    from reintegration.followup.questions import load_questions

    db.expire_all()
    report = db.exec(select(FollowUpReport).where(FollowUpReport.case_id == case.id)
                     .order_by(FollowUpReport.due_month)).first()
    data = ops.ReportInput(contact_date=case.actual_return, contact_kind="phone", activity_status="delayed",
                           income_local=None, monthly_income=None, housing=None, health=None, schooling=None,
                           wellbeing=None, notes=None, answers={}, risk_indicators=indicators)
    with app.test_request_context():
        return ops.submit_report(db, case, report, report.revision, data, user=user, questions=load_questions())


def open_alerts(client) -> str:
    page = client.get("/followup/").get_data(as_text=True)
    return page.split("<h2>Open risk alerts</h2>")[1].split("<h2")[0]


def mailed(app) -> set[str]:
    return {to for message in app.extensions.get("mail_outbox", []) for to in message.to}


def cmm_world(db, make_user, make_org):
    """Two CMM organisations with an active user each, and an inactive CMM user."""
    first, second = make_org("cmm"), make_org("cmm")
    a, b = make_user("cmm", organisation=first), make_user("cmm", organisation=second)
    gone = make_user("cmm", organisation=first)
    gone.active = False
    db.add(gone)
    db.commit()
    return first, second, a, b, gone


def test_an_alert_on_a_case_without_cmm_contact_is_seen_and_closed_by_cmm(app, client, auth, db, make_user,
                                                                          make_org, returned_case):
    _first, _second, cmm, other_cmm, _gone = cmm_world(db, make_user, make_org)
    caseworker = make_user("caseworker")
    case = returned_case(caseworker_id=caseworker.id)
    assert case.cmm_contact_id is None
    alert = risky_report(app, db, case, make_user("partner"), "threats")

    # Every active CMM user is told (no one owns the case yet), and each of them can open it.
    assert mailed(app) == {cmm.email, other_cmm.email, caseworker.email}
    for user in (other_cmm, cmm):
        auth.logout()
        auth.login(user)
        assert case.reference in open_alerts(client)
        assert client.get(f"/followup/cases/{case.id}").status_code == 200
        assert client.get(f"/cases/{case.id}").status_code == 200
        assert client.get(f"/followup/alerts/{alert.id}/close").status_code == 200

    response = auth.post(f"/followup/alerts/{alert.id}/close", {"action": "Called her; safe at her sister's."})
    assert response.status_code == 302
    db.expire_all()
    closed = db.get(RiskAlert, alert.id)
    assert closed.closed_at and closed.closed_by == cmm.id
    # Closed, the alert leaves the list, and the case (and the e-mail's link) still opens.
    assert case.reference not in open_alerts(client)
    assert client.get(response.headers["Location"]).status_code == 200
    auth.logout()
    auth.login(other_cmm)
    assert client.get(f"/followup/cases/{case.id}").status_code == 200


def test_a_case_without_cmm_contact_or_alert_stays_out_of_cmm_sight(app, client, auth, db, make_user, make_org,
                                                                    returned_case):
    _first, _second, cmm, _other, _gone = cmm_world(db, make_user, make_org)
    alerted, quiet = returned_case(), returned_case()
    risky_report(app, db, alerted, make_user("partner"), "debt")
    auth.login(cmm)
    # The same scope key serves both (``cases.queries`` keeps one statement per key).
    assert client.get(f"/cases/{alerted.id}").status_code == 200
    assert client.get(f"/cases/{quiet.id}").status_code == 404
    assert client.get(f"/followup/cases/{quiet.id}").status_code == 404
    listed = client.get("/cases").get_data(as_text=True)
    assert alerted.reference in listed and quiet.reference not in listed


def test_with_a_cmm_contact_only_that_organisation_is_told_and_sees_the_case(app, client, auth, db, make_user,
                                                                           make_org, returned_case):
    first, _second, cmm, other_cmm, _gone = cmm_world(db, make_user, make_org)
    colleague = make_user("cmm", organisation=first)
    caseworker = make_user("caseworker")
    case = returned_case(cmm_contact_id=cmm.id, caseworker_id=caseworker.id)
    alert = risky_report(app, db, case, make_user("partner"), "trafficker_ties")
    assert mailed(app) == {cmm.email, colleague.email, caseworker.email}
    auth.login(other_cmm)
    assert case.reference not in open_alerts(client)
    assert client.get(f"/followup/cases/{case.id}").status_code == 404
    assert auth.post(f"/followup/alerts/{alert.id}/close", {"action": "done"}).status_code == 404
    auth.logout()
    auth.login(colleague)
    assert case.reference in open_alerts(client)
    assert auth.post(f"/followup/alerts/{alert.id}/close", {"action": "Met her."}).status_code == 302


def test_another_partner_still_cannot_see_an_alerted_case_without_cmm_contact(app, client, auth, db, make_user,
                                                                             make_org, returned_case):
    own = make_org("partner")
    case = returned_case(partner=own)
    alert = risky_report(app, db, case, make_user("partner", organisation=own), "threats")
    auth.login(make_user("partner", organisation=make_org("partner")))
    assert client.get(f"/partner/cases/{case.id}").status_code == 404
    assert client.get(f"/followup/alerts/{alert.id}/close").status_code == 403  # not a partner page
    auth.logout()
    auth.login(make_user("partner", organisation=own))
    assert client.get(f"/partner/cases/{case.id}").status_code == 200


def test_no_one_of_an_inactive_organisation_is_told(app, db, make_user, make_org, returned_case):
    first, second, cmm, other_cmm, _gone = cmm_world(db, make_user, make_org)
    second.status = "inactive"
    db.add(second)
    db.commit()
    case = returned_case(caseworker_id=make_user("caseworker").id)
    risky_report(app, db, case, make_user("partner"), "threats")
    told = mailed(app)
    assert cmm.email in told and other_cmm.email not in told


def test_a_contact_whose_organisation_no_one_is_left_in_counts_as_no_contact(app, client, auth, db, make_user,
                                                                            make_org, returned_case):
    """The contact left and was the last active CMM user of their organisation: the alert
    goes to every CMM organisation, which can open the case, instead of to nobody."""
    first, second, cmm, other_cmm, gone = cmm_world(db, make_user, make_org)
    cmm.active = False
    db.add(cmm)
    db.commit()
    quiet = returned_case(cmm_contact_id=cmm.id)
    case = returned_case(cmm_contact_id=cmm.id, caseworker_id=make_user("caseworker").id)
    risky_report(app, db, case, make_user("partner"), "threats")
    assert other_cmm.email in mailed(app) and cmm.email not in mailed(app) and gone.email not in mailed(app)
    auth.login(other_cmm)
    assert case.reference in open_alerts(client)
    assert client.get(f"/followup/cases/{case.id}").status_code == 200
    assert client.get(f"/followup/cases/{quiet.id}").status_code == 404  # no alert: the contact's own


def test_a_contact_of_an_organisation_set_inactive_counts_as_no_contact(app, client, auth, db, make_user, make_org,
                                                                       returned_case):
    first, second, cmm, other_cmm, _gone = cmm_world(db, make_user, make_org)
    first.status = "inactive"
    db.add(first)
    db.commit()
    case = returned_case(cmm_contact_id=cmm.id, caseworker_id=make_user("caseworker").id)
    risky_report(app, db, case, make_user("partner"), "threats")
    assert mailed(app) >= {other_cmm.email} and cmm.email not in mailed(app)
    auth.login(other_cmm)
    assert client.get(f"/followup/cases/{case.id}").status_code == 200


def test_a_staffed_contact_organisation_keeps_the_case_to_itself(app, client, auth, db, make_user, make_org,
                                                                 returned_case):
    """The contact left, but a colleague of theirs is still active: the case stays theirs."""
    first, second, cmm, other_cmm, gone = cmm_world(db, make_user, make_org)
    case = returned_case(cmm_contact_id=gone.id, caseworker_id=make_user("caseworker").id)
    risky_report(app, db, case, make_user("partner"), "threats")
    assert cmm.email in mailed(app) and other_cmm.email not in mailed(app)
    auth.login(other_cmm)
    assert client.get(f"/followup/cases/{case.id}").status_code == 404


def test_a_caseworker_moved_to_a_partner_is_not_told_and_drc_is(app, db, make_user, make_org, returned_case):
    """The case's caseworker became a partner officer elsewhere (the account kept its id
    on the case): the risk alert is not e-mailed to them but to DRC's caseworkers, who can
    open the case; before, the one stale address counted as "the caseworker" and DRC was
    told nothing."""
    from reintegration.admin.operations import fingerprint, update_user

    moved, colleague = make_user("caseworker"), make_user("caseworker")
    case = returned_case(caseworker_id=moved.id)
    update_user(db, moved, actor=make_user("admin"), organisation=make_org("partner"), email=moved.email,
                name=moved.name, role="partner", locale=moved.locale, seen=fingerprint(moved))
    risky_report(app, db, case, make_user("partner"), "threats")
    told = mailed(app)
    assert moved.email not in told and colleague.email in told
