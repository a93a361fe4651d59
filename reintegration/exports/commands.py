"""``flask export-package`` and ``flask export-batch``.

Both are recorded in the audit trail as the downloads are (``export.package``,
``export.batch`` linked to every case written), with no user and ``"via": "cli"``: a
person's data leaving the application by the command line is an access like any other."""

from __future__ import annotations

import hashlib

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from flask_babel import force_locale
from sqlmodel import Session, select

from .. import audit
from ..models import Case, Decision, PlanVersion

PROGRESS_FROM = 5000  # rows; smaller exports finish before a bar would help


def _session() -> Session:
    return Session(current_app.extensions["db_engine"], expire_on_commit=False)


@click.command("export-package")
@with_appcontext
@click.argument("case_reference")
@click.option("--version", "number", type=int, default=None,
              help="Version number (default: the latest approved version).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), required=True,
              help="The ZIP file to write.")
@click.option("--lang", type=click.Choice(["da", "en"]), default="da", show_default=True,
              help="Language of the headings.")
def export_package(case_reference, number, output, lang):
    """Write the approval package of an approved version of CASE_REFERENCE."""
    from . import package as packages

    with _session() as db:
        query = (select(PlanVersion).join(Case, Case.id == PlanVersion.case_id)
                 .join(Decision, Decision.plan_version_id == PlanVersion.id)
                 .where(Case.reference == case_reference, Decision.outcome == "approved"))
        if number is not None:
            query = query.where(PlanVersion.number == number)
        version = db.exec(query.order_by(PlanVersion.number.desc())).first()
        if version is None:
            raise click.ClickException(f"{case_reference}: no approved version"
                                       + (f" {number}" if number is not None else "") + ".")
        try:
            result = packages.build(db, version, current_app.extensions["rate_tables"], lang)
        except packages.Anonymised:
            raise click.ClickException(f"{case_reference}: the case is anonymised; its package can no longer "
                                       "be made.") from None
        audit.record(db, "export.package", obj=version, case_id=version.case_id,
                     detail={"language": lang, "sha256": hashlib.sha256(result.data).hexdigest(), "via": "cli"})
        db.commit()
    with open(output, "wb") as f:
        f.write(result.data)
    click.echo(f"{output}: {result.filename[:-4]}, {len(result.data)} bytes.")


@click.command("export-batch")
@with_appcontext
@click.option("--from", "date_from", type=click.DateTime(formats=["%Y-%m-%d"]), required=True,
              help="First day of approval (YYYY-MM-DD).")
@click.option("--to", "date_to", type=click.DateTime(formats=["%Y-%m-%d"]), required=True,
              help="Last day of approval, included (YYYY-MM-DD).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), required=True,
              help="The .xlsx file to write.")
@click.option("--lang", type=click.Choice(["da", "en"]), default="da", show_default=True,
              help="Language of the headings.")
def export_batch(date_from, date_to, output, lang):
    """Write every version approved in the period as one workbook, one row per budget line
    (and one for a version approved without any)."""
    from .batch import count_lines, write_batch

    first, last = date_from.date(), date_to.date()
    if last < first:
        raise click.BadParameter("must be on or after --from", param_hint="--to")
    cases: set[int] = set()
    with _session() as db, force_locale(lang):
        total = count_lines(db, first, last)
        if total >= PROGRESS_FROM:
            with click.progressbar(length=total, label="Rows", file=click.get_text_stream("stderr")) as bar:
                rows = write_batch(db, first, last, output, progress=bar.update, lang=lang, cases=cases)
        else:
            rows = write_batch(db, first, last, output, lang=lang, cases=cases)
        audit.record_for_cases(db, "export.batch", cases, detail={"from": first.isoformat(), "to": last.isoformat(),
                                                                   "language": lang, "via": "cli"})
        db.commit()
    of_cases = f"{len(cases)} case" if len(cases) == 1 else f"{len(cases)} cases"
    click.echo(f"{output}: {rows} rows of {of_cases}, versions approved {first.isoformat()} to {last.isoformat()} "
               "(a row per budget line; a version approved without lines has one).")


def register_cli(app: Flask) -> None:
    for command in (export_package, export_batch):
        app.cli.add_command(command)
