"""Masking of personal information (PIPL): phone and ID-card numbers."""

from __future__ import annotations


def mask_phone(phone: str | None) -> str | None:
    if not phone:
        return phone
    digits = phone.strip()
    if len(digits) >= 11:
        return f"{digits[:3]}****{digits[-4:]}"
    if len(digits) > 4:
        return "*" * (len(digits) - 4) + digits[-4:]
    return "****"


def mask_id_number(number: str | None) -> str | None:
    if not number:
        return number
    value = number.strip()
    if len(value) <= 8:
        return "*" * len(value)
    return f"{value[:4]}{'*' * (len(value) - 8)}{value[-4:]}"
