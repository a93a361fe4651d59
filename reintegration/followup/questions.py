"""The programme's follow-up questions, read from a data file (``programme/questions.toml``).

The questions, their answer scales and the score of each answer are data an administrator
edits (like the rate tables), never code. A file is checked completely when it is loaded,
so a malformed file stops start-up with the key at fault rather than breaking a form later.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

DIMENSIONS = ("economic", "social", "psychosocial")
DEFAULT_FILE = Path(__file__).resolve().parents[2] / "programme" / "questions.toml"


class QuestionFileError(Exception):
    """A question file that cannot be used, naming the file and the key at fault."""

    def __init__(self, path: str, key: str, message: str) -> None:
        super().__init__(f"{path}: {key}: {message}")


@dataclass(frozen=True, slots=True)
class Option:
    key: str
    label: str
    label_da: str
    score: int | None  # None: the answer does not count ("don't know")

    def label_in(self, locale: str) -> str:
        return self.label_da if locale == "da" else self.label


@dataclass(frozen=True, slots=True)
class Question:
    key: str
    dimension: str
    text: str
    text_da: str
    options: tuple[Option, ...]
    weight: int = 1

    def text_in(self, locale: str) -> str:
        return self.text_da if locale == "da" else self.text

    def option(self, key: str) -> Option | None:
        return next((o for o in self.options if o.key == key), None)

    @property
    def max_score(self) -> int:
        return max(o.score for o in self.options if o.score is not None)


@dataclass(frozen=True, slots=True)
class QuestionSet:
    id: str
    version: int
    title: str
    questions: tuple[Question, ...]

    def in_dimension(self, dimension: str) -> tuple[Question, ...]:
        return tuple(q for q in self.questions if q.dimension == dimension)

    def get(self, key: str) -> Question | None:
        return next((q for q in self.questions if q.key == key), None)


def load_questions(path: Path = DEFAULT_FILE) -> QuestionSet:
    """Read and check a question file."""
    name = str(path)

    def fail(key: str, message: str):
        raise QuestionFileError(name, key, message)

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise QuestionFileError(name, "", f"cannot read: {error}") from None

    def text(entry: dict, key: str, where: str) -> str:
        value = entry.get(key)
        if not isinstance(value, str) or not value.strip():
            fail(where, "must be a non-empty string")
        return value.strip()

    scales: dict[str, tuple[Option, ...]] = {}
    for scale_key, scale in (data.get("scales") or {}).items():
        options = []
        for i, raw in enumerate(scale.get("options") or []):
            where = f"scales.{scale_key}.options[{i}]"
            score = raw.get("score")
            if score is not None and (type(score) is not int or score < 0):
                fail(f"{where}.score", "must be a whole number of at least 0, or left out")
            options.append(Option(text(raw, "key", f"{where}.key"), text(raw, "label", f"{where}.label"),
                                  text(raw, "label_da", f"{where}.label_da"), score))
        keys = [o.key for o in options]
        if len(set(keys)) != len(keys):
            fail(f"scales.{scale_key}", "option keys must be unique")
        if not any(o.score for o in options):
            fail(f"scales.{scale_key}", "needs at least one option with a score above 0")
        scales[scale_key] = tuple(options)

    questions = []
    for i, raw in enumerate(data.get("questions") or []):
        where = f"questions[{i}]"
        dimension = raw.get("dimension")
        if dimension not in DIMENSIONS:
            fail(f"{where}.dimension", f"must be one of {', '.join(DIMENSIONS)}")
        scale = raw.get("scale")
        if scale not in scales:
            fail(f"{where}.scale", f"unknown scale {scale!r}")
        weight = raw.get("weight", 1)
        if type(weight) is not int or weight < 1:
            fail(f"{where}.weight", "must be a whole number of at least 1")
        key = text(raw, "key", f"{where}.key")
        if not key.replace("_", "").isalnum() or not key.isascii():
            fail(f"{where}.key", "letters, digits and _ only")
        questions.append(Question(key, dimension, text(raw, "text", f"{where}.text"),
                                  text(raw, "text_da", f"{where}.text_da"), scales[scale], weight))
    keys = [q.key for q in questions]
    if not questions or len(set(keys)) != len(keys):
        fail("questions", "needs at least one question, with unique keys")
    version = data.get("version")
    if type(version) is not int or version < 1:
        fail("version", "must be a whole number of at least 1")
    return QuestionSet(text(data, "id", "id"), version, text(data, "title", "title"), tuple(questions))


def current() -> QuestionSet:
    """The question set of the running app (loaded once, from PROGRAMME_QUESTIONS_FILE)."""
    from flask import current_app

    loaded = current_app.extensions.get("programme_questions")
    if loaded is None:
        path = Path(current_app.config.get("PROGRAMME_QUESTIONS_FILE") or DEFAULT_FILE)
        loaded = current_app.extensions["programme_questions"] = load_questions(path)
    return loaded
