"""What the pickers of every ledger's forms offer: organizations and members found by name or pinyin.

Plain dataclasses for the faces; shared by the pledge ledger (承诺人) and the campaign ledger
(联系领导, 帮扶责任人, 驻村干部, the places' orgs).
"""

from __future__ import annotations

from dataclasses import dataclass

from pledgebook.models.store.tables import Org, Person, fetch_all

__all__ = ["PledgerChoice", "like_pattern", "org_choice", "person_choice", "search_pledgers"]


@dataclass
class PledgerChoice:
    """An org (``person_id`` None) or a member and their org, as a picker shows it."""

    org_id: int
    person_id: int | None
    label: str


def like_pattern(text: str) -> str:
    """``%text%`` for ``LIKE … ESCAPE '\\'``, with the wildcards in ``text`` escaped."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_pledgers(text: str, limit: int = 12) -> list[PledgerChoice]:
    """Active orgs and active members of active orgs whose name or pinyin contains ``text`` (an inactive
    org takes no new pledges or people: rules.set_org_active)."""
    text = " ".join(text.split()).lower()
    if not text:
        return []
    like = like_pattern(text)
    choices = [
        PledgerChoice(oid, None, f"{name}（党组织）")
        for oid, name in fetch_all(
            "SELECT id, name FROM org WHERE deleted_at IS NULL AND active = 1 "
            "AND (name LIKE ? ESCAPE '\\' OR pinyin LIKE ? ESCAPE '\\') "
            "ORDER BY length(name), id LIMIT ?",
            [like, like, limit],
        )
    ]
    choices += [
        PledgerChoice(oid, pid, f"{name} · {org}")
        for pid, name, oid, org in fetch_all(
            "SELECT pe.id, pe.name, pe.org_id, o.name FROM person pe JOIN org o ON o.id = pe.org_id "
            "WHERE pe.deleted_at IS NULL AND pe.state = 'active' AND o.active = 1 "
            "AND (pe.name LIKE ? ESCAPE '\\' OR pe.pinyin LIKE ? ESCAPE '\\') ORDER BY length(pe.name), pe.id LIMIT ?",
            [like, like, limit],
        )
    ]
    return choices[: limit * 2]


def person_choice(person: Person) -> PledgerChoice:
    """A person as the pickers show one: 张三 · 新华村党支部."""
    return PledgerChoice(person.org_id, person.id, f"{person.name} · {person.org.name}")


def org_choice(org: Org) -> PledgerChoice:
    return PledgerChoice(org.id, None, f"{org.name}（党组织）")
