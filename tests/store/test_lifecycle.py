"""The one soft delete / restore mechanism (models/store/lifecycle.py) and the one org tree
(models/store/orgtree.py) that every ledger declares itself to; a third ledger reuses them as is."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from pledgebook.models.core.errors import NotFound, ValidationError
from pledgebook.models.ledger import rules
from pledgebook.models.store.lifecycle import Deletable, SoftDelete, get_record, update_record
from pledgebook.models.store.orgtree import OrgTree, TreeBook
from pledgebook.models.store.tables import AuditLog, Person


def _actions(uid: str) -> list[str]:
    return [a.action for a in AuditLog.select().where(AuditLog.record_uid == uid).order_by(AuditLog.id)]


def test_a_declared_table_is_deleted_and_restored_once_each_with_its_checks(county):
    seen: list[str] = []

    def frozen(person: Person) -> None:
        seen.append(f"frozen {person.name}")

    def keep_secretaries(person: Person) -> None:
        if person.post == "党支部书记":
            raise ValidationError("书记不能删除", "person")

    people = SoftDelete({"person": Deletable(Person, "人员", frozen=frozen, before_delete=keep_secretaries)})
    li, zhang = county["li"], county["zhang"]
    people.delete("person", li.id)
    people.delete("person", li.uid)  # by uid too; already deleted: nothing more happens
    assert get_record(Person, li.id, "人员").deleted_at is not None
    with pytest.raises(ValidationError, match="书记不能删除"):
        people.delete("person", zhang.id)
    people.restore("person", li.id)
    people.restore("person", li.id)
    assert get_record(Person, li.id, "人员").deleted_at is None
    assert _actions(li.uid) == ["create", "delete", "restore"]
    assert seen == ["frozen 李四"] * 2 + ["frozen 张三"] + ["frozen 李四"] * 2
    with pytest.raises(NotFound, match="未找到该人员"):
        people.delete("person", 99999)


def test_update_record_audits_only_what_really_changed(county):
    wang = county["wang"]
    assert update_record(wang, "person", {"post": "委员", "name": "王五"}) == {"post": (None, "委员")}
    assert update_record(wang, "person", {"post": "委员"}) == {}
    assert _actions(wang.uid) == ["create", "update"]


@dataclass
class Count:
    n: int = 0
    names: list[str] = field(default_factory=list)

    def add(self, other: Count) -> None:
        self.n += other.n
        self.names += other.names


def test_the_org_tree_rolls_any_figures_up_to_every_ancestor(county):
    root, committee, b1, b2 = county["root"], county["committee"], county["b1"], county["b2"]
    other = rules.create_org("县直机关工委", "党工委", root.id)
    tree = OrgTree.load()
    assert tree.root_id() == root.id
    assert tree.child_ids() == [committee.id, other.id]
    assert tree.child_ids(committee.id) == [b1.id, b2.id]
    assert sorted(tree.descendants(committee.id)) == sorted([committee.id, b1.id, b2.id])
    assert tree.contains(committee.id, b2.id) and not tree.contains(other.id, b2.id) and tree.contains(None, b2.id)
    assert tree.orgs[b1.id].sector == "rural"
    own = {b1.id: Count(2, ["b1"]), b2.id: Count(3, ["b2"]), other.id: Count(5, ["other"]), 12345: Count(100)}
    rolled = tree.roll_up(own, Count)
    assert rolled[committee.id].n == 5
    assert rolled[root.id].n == 10  # an org not in the tree (deleted) counts nowhere
    assert rolled[b1.id].names == ["b1"]
    assert set(rolled) == set(tree.orgs)


class PeopleBook(TreeBook[Count]):
    """A third ledger's book, as the year-end appraisal would write one: count per org, nothing more."""

    def __init__(self) -> None:
        super().__init__()
        self.counts: dict[int, Count] = {}
        for person in Person.select().where(Person.deleted_at.is_null()):
            self.counts.setdefault(person.org_id, Count()).add(Count(1, [person.name]))

    def zero(self) -> Count:
        return Count()

    def own(self) -> dict[int, Count]:
        return self.counts


def test_a_third_ledger_gets_subtrees_and_rows_from_the_shared_book(county):
    book = PeopleBook()
    assert book.root_id() == county["root"].id
    assert book.subtree().n == 3 and book.subtree(county["b1"].id).names == ["张三", "李四"]
    assert [(node.name, fig.n) for node, fig in book.children()] == [("中共联珠镇委员会", 3)]
    assert [(node.name, fig.n) for node, fig in book.children(county["committee"].id)] == [("新华村党支部", 2), ("碧溪村党支部", 1)]
    assert book.subtree(99999).n == 0
