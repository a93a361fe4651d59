"""The application factory. It only wires: configuration, extensions, blueprints.
It never migrates, seeds or exits (see ``flask db upgrade`` and ``flask demo``)."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from . import db
from .config import PROJECT_ROOT, Defaults


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
    )
    from .uploads import UploadRequest

    app.request_class = UploadRequest  # the forms that take files (uploads.takes_files)
    app.config.from_object(Defaults)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        # REINTEGRATION_DATABASE_URL, REINTEGRATION_SECRET_KEY, ...
        app.config.from_prefixed_env("REINTEGRATION")
    else:
        app.config.from_prefixed_env("REINTEGRATION")
        app.config.update(test_config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.setdefault("UPLOAD_DIR", os.path.join(app.instance_path, "uploads"))

    # A malformed or overlapping rate file stops start-up, naming the file and key.
    from .domain.rates import load_rate_tables

    app.extensions["rate_tables"] = load_rate_tables(Path(app.config["RATES_DIR"]))
    db.init_app(app)

    from . import i18n, security, web
    from .extensions import csrf, login_manager

    csrf.init_app(app)
    login_manager.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    web.init_app(app)

    from .commands import register_commands

    register_commands(app)
    return app
