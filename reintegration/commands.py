"""``flask`` commands: database, instance set-up, partners, accounts, demo data.

Each area may add its own commands (exports, audit, retention, backup) through a
``cli`` group registered here.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlmodel import Session, select

db_cli = AppGroup("db", help="Create or upgrade the database schema.")
partners_cli = AppGroup("partners", help="The partner organisation registry.")


def _session() -> Session:
    return Session(current_app.extensions["db_engine"], expire_on_commit=False)


@db_cli.command("upgrade")
def db_upgrade():
    """Create the database, or bring it to the newest schema."""
    from .migrate import upgrade

    upgrade(current_app)
    click.echo("Database is at the newest schema.")


@db_cli.command("revision")
@click.option("-m", "--message", required=True)
def db_revision(message):
    """Write a new migration from the models (for developers)."""
    from .migrate import revision

    revision(current_app, message)


@partners_cli.command("load")
def partners_load():
    """Load or refresh the registry from partners/*.toml (idempotent)."""
    from .admin.operations import load_partners

    with _session() as db:
        loaded = load_partners(db, Path(current_app.config["PARTNERS_DIR"]))
    click.echo(f"Partners: {loaded.created} created, {loaded.updated} updated.")
    for org, count in loaded.left_open:
        click.echo(f"Warning: {org.name} ({org.code}) is now inactive and follows {count} open case(s); its users "
                   "cannot sign in: move the cases to another partner.", err=True)


rates_cli = AppGroup("rates", help="The rate tables.")


@rates_cli.command("revalidate")
@click.option("--dry-run", is_flag=True, help="Show what would change without saving it.")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Check as on this day (default: today).")
def rates_revalidate(dry_run, today):
    """Re-check every open plan (draft or submitted) against the rate tables."""
    from .i18n import local_today
    from .revalidation import revalidate_open_plans

    with _session() as db:
        result = revalidate_open_plans(db, current_app.extensions["rate_tables"],
                                       today.date() if today else local_today(), dry_run=dry_run)
    for c in result.changes:
        verdict = "ok" if c.new_ok else "has errors"
        click.echo(f"{c.case_reference} v{c.version} ({c.status}): {c.old_table or '-'} -> {c.new_table or 'no table'}, {verdict}")
    click.echo(f"{result.checked} open plans checked, {len(result.changes)} changed"
               + (" (dry run: nothing saved)." if dry_run else "."))


@click.command("init-instance")
@with_appcontext
def init_instance():
    """Write instance/config.py with a fresh secret key, if it does not exist yet."""
    path = Path(current_app.instance_path) / "config.py"
    if path.exists():
        click.echo(f"{path} exists; left as it is.")
        return
    path.write_text(
        "# Local settings; this folder is git-ignored.\n"
        f"SECRET_KEY = {secrets.token_hex(32)!r}\n"
        "# Behind HTTPS in production:\n# SESSION_COOKIE_SECURE = True\n"
        "# The address people open the tool at, for the links in e-mails (never taken from a request):\n"
        "# PUBLIC_URL = 'https://reintegration.example.org'\n"
        "# PostgreSQL: set REINTEGRATION_DATABASE_URL=postgresql+psycopg://user@host/db\n",
        encoding="utf-8",
    )
    click.echo(f"Wrote {path}.")


@click.command("create-admin")
@with_appcontext
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.password_option()
def create_admin(email, name, password):
    """Create an administrator account."""
    from .admin.operations import PasswordPolicyError, create_user, ensure_organisation

    with _session() as db:
        org = ensure_organisation(db, kind="admin", code="admin", name="Administration")
        try:
            create_user(db, organisation=org, email=email, name=name, role="admin", password=password)
        except PasswordPolicyError as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(f"Administrator {email} created.")


@click.command("reset-two-factor")
@with_appcontext
@click.option("--email", required=True, help="The e-mail address of the account.")
@click.confirmation_option(prompt="Remove the account's authenticator key and recovery codes, and end its sessions?")
def reset_two_factor(email):
    """Reset an account's two-factor sign-in, for when no administrator can sign in to do
    it on the account's page (the only administrator lost their phone and recovery codes).

    The authenticator key and recovery codes are removed and the account's sessions end;
    the user sets two-factor sign-in up again at the next sign-in. Recorded in the audit
    trail as done on the command line. Check first that the request comes from the user."""
    from .admin.operations import AccountError, reset_two_factor as reset
    from .models import User

    with _session() as db:
        user = db.exec(select(User).where(User.email == email.strip().lower())).first()
        if user is None:
            raise click.ClickException(f"No account has the e-mail address {email}.")
        try:
            reset(db, user, actor=None)
        except AccountError as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(f"Two-factor sign-in of {user.email} is reset and its sessions have ended.")


@click.command("demo")
@with_appcontext
def demo():
    """Load demo data: organisations, users of every role, cases in several states."""
    from .demo import load_demo

    with _session() as db:
        summary = load_demo(db, current_app)
    click.echo(summary)


def register_commands(app: Flask) -> None:
    for command in (db_cli, partners_cli, rates_cli, init_instance, create_admin, reset_two_factor, demo):
        app.cli.add_command(command)
    from . import audit, backup, retention  # audit, retention/subject-export, backup/restore

    for module in (audit, retention, backup):
        module.register_cli(app)
    from .uploads import cli as uploads_cli

    app.cli.add_command(uploads_cli)
    from .exports.commands import register_cli as register_export_commands  # export-package, export-batch

    register_export_commands(app)
