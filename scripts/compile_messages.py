"""Compile every taolun/locale/*/LC_MESSAGES/django.po to .mo without GNU gettext (uses polib)."""

from __future__ import annotations

import sys
from pathlib import Path

import polib


def main() -> int:
    root = Path(__file__).resolve().parent.parent / "taolun" / "locale"
    problems = 0
    for po_path in sorted(root.glob("*/LC_MESSAGES/*.po")):
        catalogue = polib.pofile(str(po_path))
        untranslated = len(catalogue.untranslated_entries()) + len(catalogue.fuzzy_entries())
        catalogue.save_as_mofile(str(po_path.with_suffix(".mo")))
        print(f"{po_path.relative_to(root.parent.parent)}: {catalogue.percent_translated()}% translated")
        if untranslated:
            problems += untranslated
            for entry in catalogue.untranslated_entries()[:20]:
                print(f"  untranslated: {entry.msgid[:70]!r}")
            for entry in catalogue.fuzzy_entries()[:20]:
                print(f"  fuzzy (not compiled, check it): {entry.msgid[:70]!r}")
    return 1 if problems and "--strict" in sys.argv else 0


if __name__ == "__main__":
    raise SystemExit(main())
