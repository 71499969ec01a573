"""Field validators every ledger's forms share: public, pure functions (no database).

Each takes what a form or a sheet gave (``None``, text, a number, a date …) and
returns the clean value or raises :class:`ValidationError` with a Chinese
message naming the field. :class:`Checker` runs several of them and gathers
every mistake, so a form shows them all at once (:class:`ValidationErrors`).
The ledgers' own validators (``models.ledger.validate``,
``models.campaign.validate``) are built from these.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from pledgebook.models.core import vocab
from pledgebook.models.core.errors import ValidationError, ValidationErrors
from pledgebook.models.core.values import parse_date as parse_date_value

__all__ = [
    "MAX_NAME",
    "MAX_TEXT",
    "Checker",
    "code",
    "collect",
    "count",
    "parse_date",
    "phone",
    "text",
]

MAX_TEXT = 2000  # characters in a pledge's content or measures
MAX_NAME = 100


def text(value: object, field: str, label: str, *, required: bool = True, limit: int = MAX_TEXT) -> str:
    """Trimmed text; refused when required and blank, longer than ``limit`` or holding control characters."""
    result = "" if value is None else str(value).strip()
    if required and not result:
        raise ValidationError(f"{label}不能为空", field)
    if len(result) > limit:
        raise ValidationError(f"{label}过长（{len(result)}字），请控制在{limit}字以内", field)
    if any(ord(c) < 32 and c not in "\t\n\r" for c in result):
        raise ValidationError(f"{label}中含有不可见的控制字符，请删除后重试", field)
    return result


def code(vocabulary: dict[str, str], value: object, field: str, label: str, *, required: bool = True) -> str | None:
    """The vocabulary code of a code or its Chinese label; None when blank and not required."""
    if value is None or str(value).strip() == "":
        if required:
            raise ValidationError(f"请选择{label}", field)
        return None
    found = vocab.code_for(vocabulary, str(value))
    if found is None:
        choices = "、".join(vocabulary.values())
        raise ValidationError(f"{label}「{value}」不在可选范围内（可选：{choices}）", field)
    return found


def parse_date(value: object, field: str, label: str) -> date | None:
    """A date from a date, a text or a spreadsheet serial; None when blank."""
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    try:
        return parse_date_value(value)
    except ValueError as exc:
        raise ValidationError(f"{label}：{exc}", field) from exc


def count(value: Any, field: str, label: str) -> int | None:
    """A whole number, not negative; None when blank."""
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"{label}应为整数，收到「{value}」", field) from exc
    if number < 0:
        raise ValidationError(f"{label}不能为负数", field)
    return number


def phone(value: object) -> str | None:
    """A phone number: 7–12 digits once blanks and dashes are gone; None when blank."""
    digits = "".join(ch for ch in str(value or "") if not ch.isspace()).replace("-", "")
    if not digits:
        return None
    if not digits.isdigit() or not (7 <= len(digits) <= 12):
        raise ValidationError(f"联系电话「{value}」不像电话号码（应为7–12位数字）", "phone")
    return digits


class Checker:
    """Parse the fields of a form one by one, keeping every value and every error.

    ``check(field, parse)`` stores ``parse(fields[field])`` in :attr:`values`, or the
    field's message in :attr:`errors`. Only fields present are checked unless ``every``.
    """

    def __init__(self, fields: dict[str, Any], *, every: bool = False,
                 values: dict[str, Any] | None = None, errors: dict[str, str] | None = None):
        self.fields = fields
        self.every = every
        self.values: dict[str, Any] = {} if values is None else values
        self.errors: dict[str, str] = {} if errors is None else errors

    def __call__(self, field: str, parse: Callable[[Any], object]) -> None:
        if self.every or field in self.fields:
            try:
                self.values[field] = parse(self.fields.get(field))
            except ValidationError as exc:
                self.errors[exc.field or field] = exc.message

    def raise_errors(self) -> None:
        """Raise :class:`ValidationErrors` if any field was refused."""
        if self.errors:
            raise ValidationErrors(self.errors)


def collect(checks: list[tuple[str, Callable[[], Any]]]) -> tuple[list[Any], dict[str, str]]:
    """Run ``(field, thunk)`` pairs; return their results (None where refused) and the errors by field."""
    results: list[Any] = []
    errors: dict[str, str] = {}
    for field, thunk in checks:
        try:
            results.append(thunk())
        except ValidationError as exc:
            errors[exc.field or field] = exc.message
            results.append(None)
    return results, errors
