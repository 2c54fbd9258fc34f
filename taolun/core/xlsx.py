"""Writing user text into spreadsheets safely.

openpyxl stores any string that starts with ``=`` as a formula, so a name or a reason typed as
``=HYPERLINK(…)`` would run when the sheet is opened (CSV/formula injection). Every export writes user
text through ``text_cell``, which keeps it text, and drops the control characters XML cannot hold.
"""

from __future__ import annotations

from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE


def clean(text: str) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("", text)


def text_cell(ws: Any, value: Any) -> Any:
    """``value`` for a write-only row: plain when harmless, a cell typed as text when it looks like a formula."""
    if not isinstance(value, str):
        return value
    value = clean(value)
    if not value.startswith("="):
        return value
    cell = WriteOnlyCell(ws, value=value)
    cell.data_type = "s"
    return cell
