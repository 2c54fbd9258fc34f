"""Checks for the personal fields offices type into rosters, with messages that say how to fix them."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}$")
ID_RE = re.compile(r"^\d{17}[\dX]$")
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
CODE_RE = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")


def normalise_phone(value: str) -> str:
    return re.sub(r"[\s\-()（）+]", "", value or "").removeprefix("86") if value else ""


def clean_phone(value: str | None) -> str:
    """A mainland mobile (11 digits starting 1) or a landline with area code; '' when empty."""
    raw = (value or "").strip()
    if not raw:
        return ""
    compact = re.sub(r"[\s()（）]", "", raw)
    if compact.startswith("+86"):
        compact = compact[3:]
    digits = compact.replace("-", "")
    if MOBILE_RE.match(digits):
        return digits
    if LANDLINE_RE.match(compact):
        return compact
    raise ValidationError(
        _("手机号“%(value)s”格式不正确：应为 11 位手机号（如 13800001234）或带区号的座机号（如 024-12345678）。"),
        params={"value": raw},
    )


def id_number_checksum_ok(value: str) -> bool:
    total = sum(int(d) * w for d, w in zip(value[:17], ID_WEIGHTS, strict=True))
    return ID_CHECK[total % 11] == value[17]


def clean_id_number(value: str | None) -> str | None:
    """An 18-character resident ID with a valid check digit (X upper-cased); None when empty."""
    raw = (value or "").strip().upper().replace(" ", "")
    if not raw:
        return None
    if not ID_RE.match(raw):
        raise ValidationError(
            _("身份证号“%(value)s”格式不正确：应为 18 位，前 17 位为数字，最后一位为数字或 X。"),
            params={"value": value},
        )
    if not id_number_checksum_ok(raw):
        raise ValidationError(_("身份证号“%(value)s”校验位不正确，请核对是否有数字录入错误。"), params={"value": value})
    return raw


def clean_code(value: str | None, *, label: str) -> str:
    raw = (value or "").strip()
    if not CODE_RE.match(raw):
        raise ValidationError(
            _("%(label)s“%(value)s”不正确：只能使用字母、数字和 _ . -，长度 1–64。"),
            params={"label": label, "value": raw},
        )
    return raw
