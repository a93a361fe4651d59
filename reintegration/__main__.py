"""``python -m reintegration COMMAND``: the command-line tools.

Only the commands are imported here, not the web application.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import validate


class _OneLineParser(argparse.ArgumentParser):
    """Reports a usage error as one ``error: ...`` line, like every other refusal."""

    def error(self, message: str) -> None:
        self.exit(2, f"error: {validate.one_line(message)}\n")


def main(argv: Sequence[str] | None = None) -> int:
    parser = _OneLineParser(prog="python -m reintegration", description="Reintegration planning tools.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    validate.register(commands)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
