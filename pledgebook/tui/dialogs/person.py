"""Add or edit a person (党员/干部) with the roster's fields (民族, 学历, 出生日期, 入党时间, 职务), checked by
the same rules as an imported roster. The ID number is never shown in full."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.widgets import Input, Select

from pledgebook.models.core import vocab
from pledgebook.models.core.errors import ValidationError
from pledgebook.models.ledger import queries, rules
from pledgebook.tui.dialogs.form import FormDialog
from pledgebook.tui.dialogs.record import DATE_HINT
from pledgebook.tui.widgets.picker import PledgerPicker


class PersonForm(FormDialog):
    def __init__(self, person_id: int | None = None) -> None:
        super().__init__()
        self.person_id = person_id
        self.info = queries.person_info(person_id) if person_id else None
        self.form_title = f"编辑人员：{self.info.name}" if self.info else "新增人员"

    def body(self) -> ComposeResult:
        i = self.info
        org = queries.PledgerChoice(i.org_id, None, f"{i.org}（党组织）") if i else None
        states = [(label, code) for code, label in vocab.PERSON_STATES.items()]
        state = vocab.code_for(vocab.PERSON_STATES, i.state) if i else "active"
        gender = vocab.code_for(vocab.GENDERS, i.gender) if i and i.gender else Select.NULL
        yield from self.field("name", "姓名", Input(value=i.name if i else ""))
        yield from self.field("org_id", "所在党组织", PledgerPicker(org, orgs_only=True))
        yield from self.field("gender", "性别", Select([("男", "male"), ("女", "female")], value=gender, prompt="（不填）"))
        yield from self.field("ethnicity", "民族", Input(value=i.ethnicity if i else "", placeholder="例如：汉族、哈尼族"))
        yield from self.field("education", "学历", Input(value=i.education if i else "", placeholder="例如：大学本科、大专、高中"))
        yield from self.field("birth_date", "出生日期", Input(value=i.birth_date if i else "", placeholder="1980-05-01"),
                              hint=DATE_HINT)
        yield from self.field("joined_date", "入党时间", Input(value=i.joined_date if i else "", placeholder="2005-07-01"),
                              hint=DATE_HINT)
        yield from self.field("post", "职务", Input(value=i.post if i else "", placeholder="例如：党支部书记、村委会主任"))
        yield from self.field(
            "id_number", "公民身份号码", Input(placeholder=i.id_number if i and i.id_number else "18位，可不填"),
            hint="已登记的号码不显示；留空表示不修改" if i else "",
        )
        yield from self.field("phone", "联系电话", Input(placeholder=i.phone if i and i.phone else ""))
        yield from self.field("state", "状态", Select(states, value=state or "active", allow_blank=False))

    def save(self, values: dict[str, Any]) -> Any:
        org = values.pop("org_id")
        if org is None:
            raise ValidationError("请输入组织名或拼音首字母，再从列表中选择", "org_id")
        values["org_id"] = org.org_id
        for key in ("id_number", "phone"):
            if self.info and not values.get(key):
                values.pop(key)  # blank keeps what is recorded
        if self.person_id:
            return rules.update_person(self.person_id, **values).id
        return rules.create_person(values.pop("name"), values.pop("org_id"), **values).id
