"""County settings the office can change (``pledgebook config`` and the TUI).

Each setting has a key, a Chinese label, a default and a validator; values
are stored as text in the ``setting`` table and every change is audited.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pledgebook.models.core.errors import ValidationError
from pledgebook.models.store import audit
from pledgebook.models.store.tables import Setting, database


def get_setting(key: str, default: str | None = None) -> str | None:
    """The stored text of ``key`` as it is, unchecked (:func:`get` gives the checked value or the default)."""
    row = Setting.get_or_none(Setting.key == key)
    return row.value if row else default


def set_setting(key: str, value: str) -> None:
    """Store ``value`` under ``key`` as it is: no check, no audit (:func:`set_value` does both)."""
    Setting.insert(key=key, value=value).on_conflict_replace().execute()


@dataclass(frozen=True)
class Spec:
    key: str
    label: str
    default: str
    help: str
    choices: dict[str, str] | None = None
    parse: Callable[[str], str] | None = None


def _int_between(low: int, high: int, label: str) -> Callable[[str], str]:
    def parse(text: str) -> str:
        try:
            value = int(str(text).strip())
        except ValueError as exc:
            raise ValidationError(f"{label}应为整数（{low}–{high}），收到「{text}」", "value") from exc
        if not low <= value <= high:
            raise ValidationError(f"{label}应在 {low}–{high} 之间", "value")
        return str(value)

    return parse


def _phone(text: str) -> str:
    value = "".join(ch for ch in str(text) if not ch.isspace())
    if value and not all(ch.isdigit() or ch in "-()（）转" for ch in value):
        raise ValidationError(f"监督电话「{text}」不像电话号码，例如：0879-2222222", "value")
    return value


def _name(text: str) -> str:
    value = str(text).strip()
    if not value or len(value) > 50:
        raise ValidationError("名称不能为空，且不超过50字", "value")
    return value


SPECS: dict[str, Spec] = {
    s.key: s
    for s in (
        Spec("county_name", "县（区）名称", "", "台账所属县（区）的全称，出现在报表和公示的标题中", parse=_name),
        Spec("supervision_phone", "监督电话", "", "公示栏上公布的监督举报电话", parse=_phone),
        Spec("publicity_days", "公示期（天）", "7", "承诺公示的天数", parse=_int_between(1, 90, "公示期")),
        Spec(
            "satisfaction_formula",
            "满意率算法",
            "satisfied_plus_basic",
            "满意率的计算方法",
            choices={"satisfied_plus_basic": "（满意＋基本满意）÷有效票", "satisfied_only": "满意÷有效票"},
        ),
        Spec(
            "rectification_rule",
            "整改规则",
            "unsatisfied_over_threshold",
            "群众评议结果在什么情况下需要限期整改",
            choices={
                "unsatisfied_over_threshold": "不满意票超过阈值",
                "any_unsatisfied": "有不满意票",
                "basic_or_unsatisfied": "有基本满意或不满意票",
            },
        ),
        Spec(
            "rectification_threshold",
            "整改阈值（%）",
            "10",
            "不满意票占有效票的比例超过此值时需要整改",
            parse=_int_between(0, 100, "整改阈值"),
        ),
        Spec("rectification_days", "整改期限（天）", "30", "整改时限默认为评议日期之后的天数", parse=_int_between(1, 365, "整改期限")),
        Spec("backup_keep", "保留备份份数", "20", "自动备份保留的最近份数（另外每个已关闭年度保留一份）", parse=_int_between(1, 1000, "保留备份份数")),
    )
}


def spec(key: str) -> Spec:
    """The setting named by its key or its Chinese label; ValidationError naming the settings there are."""
    found = SPECS.get(key)
    if found is None:
        for candidate in SPECS.values():
            if candidate.label == key or candidate.label.split("（")[0] == key:
                return candidate
        names = "、".join(f"{s.key}（{s.label}）" for s in SPECS.values())
        raise ValidationError(f"没有名为「{key}」的设置。可用的设置：{names}", "key")
    return found


def get(key: str) -> str:
    chosen = spec(key)
    return get_setting(chosen.key, chosen.default) or chosen.default


def get_int(key: str) -> int:
    return int(get(key))


def set_value(key: str, value: str) -> str:
    """Validate and store a setting; return the stored value."""
    chosen = spec(key)
    text = str(value).strip()
    if chosen.choices is not None:
        match = next((c for c, lab in chosen.choices.items() if text in (c, lab)), None)
        if match is None:
            options = "、".join(f"{c}（{lab}）" for c, lab in chosen.choices.items())
            raise ValidationError(f"{chosen.label}只能是：{options}", "value")
        text = match
    elif chosen.parse is not None:
        text = chosen.parse(text)
    old = get(chosen.key)
    if old != text:
        with database.atomic("IMMEDIATE"):
            set_setting(chosen.key, text)
            audit.record("update", "setting", chosen.key, {chosen.key: (old, text)})
    return text


def display(key: str) -> str:
    chosen = spec(key)
    value = get(chosen.key)
    if chosen.choices:
        return chosen.choices.get(value, value)
    return value or "（未设置）"


def all_settings() -> list[dict[str, str]]:
    return [
        {"key": s.key, "label": s.label, "value": get(s.key), "display": display(s.key), "help": s.help}
        for s in SPECS.values()
    ]
