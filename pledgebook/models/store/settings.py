"""County settings the office can change (``pledgebook config`` and the TUI).

Each setting has a key, a Chinese label, a default and a validator; values
are stored as text in the ``setting`` table and every change is audited.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

from pledgebook.models.core import vocab
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


def _share(text: str) -> str:
    """优秀比例上限: a fraction (1/3) or a percentage (30%, 30)."""
    raw = str(text).strip().replace("％", "%").replace("／", "/")
    try:
        value = Fraction(raw.rstrip("%")) / (100 if "/" not in raw else 1)
    except (ValueError, ZeroDivisionError) as exc:
        raise ValidationError(f"优秀比例上限应写成分数或百分比，例如：1/3 或 30%，收到「{text}」", "value") from exc
    if not 0 < value <= 1:
        raise ValidationError("优秀比例上限应大于0、不超过100%", "value")
    return raw if "/" in raw else f"{raw.rstrip('%')}%"


def _numbers(text: str, label: str, example: str) -> list[int]:
    raw = str(text).strip().replace("／", "/").replace("，", "/").replace(",", "/")
    try:
        return [int(part.strip()) for part in raw.split("/") if part.strip()]
    except ValueError as exc:
        raise ValidationError(f"{label}应是用“/”隔开的整数，例如：{example}，收到「{text}」", "value") from exc


def _star_points(text: str) -> str:
    points = _numbers(text, "星级评定计分表", "20/20/20/20/20")
    names = "、".join(vocab.STAR_ITEMS.values())
    if len(points) != len(vocab.STAR_ITEMS) or any(p <= 0 for p in points):
        raise ValidationError(f"星级评定计分表应依次写{len(vocab.STAR_ITEMS)}项（{names}）的分值，每项大于0，例如：20/20/20/20/20", "value")
    return "/".join(map(str, points))


def _star_thresholds(text: str) -> str:
    lines = _numbers(text, "星级分数线", "90/80/70/60")
    if not 1 <= len(lines) <= 6 or any(b >= a for a, b in zip(lines, lines[1:])) or min(lines) < 0:
        raise ValidationError("星级分数线应从最高星级起依次递减，例如 90/80/70/60（90分以上五星……不足60分一星）", "value")
    return "/".join(map(str, lines))


def _honour_quota(text: str) -> str:
    quota = _numbers(text, "评选表彰名额", "1/3/1")
    names = "、".join(vocab.HONOUR_KINDS.values())
    if len(quota) != len(vocab.HONOUR_KINDS) or any(q < 0 for q in quota):
        raise ValidationError(f"评选表彰名额应依次写{len(vocab.HONOUR_KINDS)}类（{names}）每个乡镇（党委）的名额，例如：1/3/1", "value")
    return "/".join(map(str, quota))


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
        Spec(
            "appraisal_excellent_max",
            "优秀比例上限",
            "1/3",
            "民主评议党员中评为优秀的，不超过本支部参评党员的这一比例（分数或百分比）",
            parse=_share,
        ),
        Spec("disposal_days", "处置期限（天）", "90", "组织处置的整改期限默认为决定日期之后的天数", parse=_int_between(1, 365, "处置期限")),
        Spec(
            "star_points",
            "星级评定计分表",
            "20/20/20/20/20",
            "五个好（领导班子好/党员队伍好/工作机制好/工作业绩好/群众反映好）各项的满分",
            parse=_star_points,
        ),
        Spec(
            "star_thresholds",
            "星级分数线",
            "90/80/70/60",
            "从最高星级起的分数线：90/80/70/60 即90分以上五星、80分以上四星……不足60分一星",
            parse=_star_thresholds,
        ),
        Spec(
            "honour_quota",
            "评选表彰名额",
            "1/3/1",
            "每个乡镇（党委）先进基层党组织/优秀共产党员/优秀党务工作者的名额",
            parse=_honour_quota,
        ),
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


def excellent_share() -> Fraction:
    """优秀比例上限 as an exact fraction (1/3, or 30% as 3/10): the quota is ⌊appraised × share⌋."""
    raw = get("appraisal_excellent_max")
    return Fraction(raw) if "/" in raw else Fraction(raw.rstrip("%")) / 100


def star_points() -> dict[str, int]:
    """The scoring table: each of the 五个好 (``vocab.STAR_ITEMS`` codes) → its full points."""
    return dict(zip(vocab.STAR_ITEMS, _numbers(get("star_points"), "星级评定计分表", "20/20/20/20/20"), strict=True))


def star_thresholds() -> dict[int, int]:
    """Star level → the least total points for it, highest first ({5: 90, 4: 80, 3: 70, 2: 60}); below the
    last line a branch has one star. The levels are 1 … len(lines) + 1."""
    lines = _numbers(get("star_thresholds"), "星级分数线", "90/80/70/60")
    return {len(lines) + 1 - i: points for i, points in enumerate(lines)}


def honour_quota() -> dict[str, int]:
    """Honour kind (``vocab.HONOUR_KINDS`` code) → how many each 乡镇（党委） may put forward."""
    return dict(zip(vocab.HONOUR_KINDS, _numbers(get("honour_quota"), "评选表彰名额", "1/3/1"), strict=True))


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
