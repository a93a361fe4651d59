"""Downloads: the approval package of one approved version, and the batch workbook."""

from __future__ import annotations

import hashlib
import io
import tempfile

from flask import Blueprint, abort, current_app, render_template, request, send_file
from flask_babel import force_locale
from flask_login import current_user

from .. import audit
from ..access import allow
from ..approvals.operations import visible_version_or_none
from ..db import get_session
from ..i18n import gettext as _, language
from . import package as packages
from .batch import write_batch
from .forms import BatchForm

bp = Blueprint("exports", __name__, url_prefix="/exports")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.get("/")
@allow("approver")
def index():
    form = BatchForm(request.args if request.args else None, lang=language())
    return render_template("exports/index.html", form=form)


@bp.get("/batch")
@allow("approver")
def batch():
    form = BatchForm(request.args)
    if not form.validate():
        return render_template("exports/index.html", form=form), 422
    db = get_session()
    # A temporary file, not memory: the workbook of 10,000 plans stays out of RAM.
    out = tempfile.TemporaryFile()
    cases: set[int] = set()
    with force_locale(form.lang.data):
        write_batch(db, form.date_from.data, form.date_to.data, out, cases=cases)
    # One event naming every case the workbook holds, as written (the same rows), linked
    # to each for the trail's case filter; committed before a byte is sent: a download
    # broken off half-way is in the trail all the same.
    audit.record_for_cases(db, "export.batch", cases, user=current_user,
                           detail={"from": form.date_from.data.isoformat(), "to": form.date_to.data.isoformat(),
                                   "language": form.lang.data})
    db.commit()
    out.seek(0)
    name = f"approved-{form.date_from.data.isoformat()}-{form.date_to.data.isoformat()}.xlsx"
    return send_file(out, mimetype=XLSX, as_attachment=True, download_name=name)


@bp.get("/package/<int:version_id>")
@allow("caseworker", "approver", "cmm")
def package(version_id: int):
    """The approval package (ZIP) of an approved version of a case the user may see.
    ``?lang=da|en`` chooses the headings; the default is the user's language."""
    db = get_session()
    version = visible_version_or_none(db, version_id, current_user)
    if version is None:
        abort(404)
    lang = request.args.get("lang") or language()
    if lang not in packages.LANGUAGES:
        abort(404)
    try:
        result = packages.build(db, version, current_app.extensions["rate_tables"], lang)
    except packages.NotApproved:
        abort(404)
    except packages.Anonymised:
        return render_template("errors/error.html", title=_("The approval package is no longer available"),
                               message=_("The case was anonymised when its retention period ended, so its "
                                         "approval package can no longer be made. The package made at the "
                                         "decision is kept in Hjemrejsestyrelsen's archive.")), 410
    audit.record(db, "export.package", user=current_user, obj=version, case_id=version.case_id,
                 detail={"language": lang, "sha256": hashlib.sha256(result.data).hexdigest()})
    db.commit()
    return send_file(io.BytesIO(result.data), mimetype="application/zip", as_attachment=True,
                     download_name=result.filename)
