"""Running the Alembic migrations from the app's own configuration."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from flask import Flask

from .db import database_url
from .models.cases import POSTGRESQL_SEARCH_INDEXES


def alembic_config(app: Flask) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", app.config["MIGRATIONS_DIR"])
    cfg.set_main_option("sqlalchemy.url", database_url(app).replace("%", "%%"))
    return cfg


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """What Alembic compares with the models: everything but the indexes that exist on
    PostgreSQL only, by a migration's hand (the case search's trigram indexes)."""
    return not (type_ == "index" and name in POSTGRESQL_SEARCH_INDEXES)


def upgrade(app: Flask, revision: str = "head") -> None:
    """Create or upgrade the schema. Runs on the app's engine, in one transaction
    per migration."""
    _run(app, command.upgrade, revision)


def downgrade(app: Flask, revision: str) -> None:
    """Take the schema back to ``revision`` (tests of a migration's way back)."""
    _run(app, command.downgrade, revision)


def _run(app: Flask, step, revision: str) -> None:
    cfg = alembic_config(app)
    with app.extensions["db_engine"].begin() as connection:
        cfg.attributes["connection"] = connection
        step(cfg, revision)


def revision(app: Flask, message: str) -> None:
    """Autogenerate a migration from the models (developers only)."""
    command.revision(alembic_config(app), message=message, autogenerate=True)
