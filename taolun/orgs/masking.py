"""Masking of personal data in lists, exports and the API (姓名、手机号、身份证号、电子邮箱、网络地址)."""

from __future__ import annotations

import ipaddress


def mask_phone(value: str | None) -> str:
    if not value:
        return ""
    if len(value) < 7:
        return "*" * len(value)
    return f"{value[:3]}{'*' * (len(value) - 7)}{value[-4:]}"


def mask_id_number(value: str | None) -> str:
    if not value:
        return ""
    if len(value) < 8:
        return "*" * len(value)
    return f"{value[:4]}{'*' * (len(value) - 8)}{value[-4:]}"


def mask_name(value: str | None) -> str:
    """``张**``: the first character, then one star for each other (at least one)."""
    value = (value or "").strip()
    if not value:
        return ""
    return value[0] + "*" * max(1, len(value) - 1)


def mask_email(value: str | None) -> str:
    """``zh***@example.org``: the first two characters of the name (one if it is short), then the domain."""
    if not value:
        return ""
    name, at, domain = value.rpartition("@")
    if not at:
        return "*" * len(value)
    shown = name[:2] if len(name) > 3 else name[:1]
    return f"{shown}***@{domain}"


def mask_ip(value: str | None) -> str:
    """``10.2.*.*``: the network, not the machine (IPv6: the first two groups)."""
    if not value:
        return ""
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return "*"
    if address.version == 4:
        return ".".join([*str(address).split(".")[:2], "*", "*"])
    return ":".join(address.exploded.split(":")[:2]) + ":*"
