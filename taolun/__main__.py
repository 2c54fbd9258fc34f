"""The ``taolun`` command line: every operator action is a subcommand (``taolun --help``)."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "taolun.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else ["taolun", *argv])
    args[0] = "taolun"
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
