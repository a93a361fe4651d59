"""Reintegration planning and budget tool.

The Flask application factory lives in :mod:`reintegration.app`; the pure domain
core (rates, budget rules, workflow) in :mod:`reintegration.domain`.
"""

from .app import create_app

__all__ = ["create_app"]
