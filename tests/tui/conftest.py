"""The fixtures every TUI test shares. Their plain helpers (the app as the CLI builds it, settling,
typing, reading the screen) are functions in tests/tui_util.py; no test module imports another."""

from __future__ import annotations

import pytest

from pledgebook.models.ledger import rules


@pytest.fixture(autouse=True)
def _no_blink(monkeypatch: pytest.MonkeyPatch) -> None:
    """A text field's cursor does not blink: screens stay still between two looks."""
    from textual.widgets import Input

    monkeypatch.setattr(Input, "cursor_blink", False, raising=False)


@pytest.fixture
def ledger(county):
    """The hand-made county with two pledges: 张三's (due 2011-12-31) and 碧溪村党支部's (促进社会和谐)."""
    c = county
    c["p1"] = rules.create_pledge(2011, "为群众代办事项二十件", person_id=c["zhang"].id, due_date="2011-12-31")
    c["p2"] = rules.create_pledge(2011, "调解矛盾纠纷十起", org_id=c["b2"].id, category="harmony")
    return c


@pytest.fixture
def ledger4(county):
    """The hand-made county with four pledges: both branches' and two members' (张三, 李四 of 新华村)."""
    c = county
    c["p_b1"] = rules.create_pledge(2011, "建成村级活动场所", org_id=c["b1"].id)
    c["p_zhang"] = rules.create_pledge(2011, "为群众代办事项二十件", person_id=c["zhang"].id)
    c["p_li"] = rules.create_pledge(2011, "帮助困难群众十户", person_id=c["li"].id)
    c["p_b2"] = rules.create_pledge(2011, "调解矛盾纠纷十起", org_id=c["b2"].id)
    return c
