"""The shape every refused action or broken constraint takes in the domain."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Violation:
    """A code such as ``decision.own_plan`` with the parameters a message needs; no text,
    because the web layer translates it."""

    code: str
    params: Mapping[str, object] = field(default_factory=dict, hash=False)
