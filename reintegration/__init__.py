"""Reintegration planning and budget tool.

The Flask application factory lives in :mod:`reintegration.app`; the pure domain
core (rates, budget rules, workflow) in :mod:`reintegration.domain`. The factory is
imported lazily so that ``python -m reintegration validate`` never loads Flask.
"""


def create_app(test_config: dict | None = None):
    from .app import create_app as factory

    return factory(test_config)


__all__ = ["create_app"]
