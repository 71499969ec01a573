"""The declarations in tables.py that only the type checker reads match what peewee really builds."""

from __future__ import annotations

from peewee import AutoField, ForeignKeyField, ObjectIdAccessor

from pledgebook.models.store import tables


def _declared_ids(model: type) -> dict[str, str]:
    """The ``x_id`` annotations of a model and its bases (with postponed annotations: their text)."""
    return {
        name: hint
        for klass in model.__mro__
        for name, hint in vars(klass).get("__annotations__", {}).items()
        if name.endswith("_id")
    }


def test_every_foreign_key_id_is_declared_and_every_declared_id_is_peewees() -> None:
    for model in tables.ALL_TABLES:
        keys = [f for f in model._meta.sorted_fields if isinstance(f, ForeignKeyField)]
        made = {f.object_id_name: f for f in keys}
        declared = _declared_ids(model)
        assert set(declared) == set(made), model.__name__
        for name, field in made.items():
            assert isinstance(vars(model)[name], ObjectIdAccessor), (model.__name__, name)
            assert declared[name] == ("int | None" if field.null else "int"), (model.__name__, name)


def test_a_foreign_key_id_reads_the_raw_id() -> None:
    assert tables.Person(org=5).org_id == 5
    assert tables.Org().parent_id is None


def test_the_written_out_id_is_the_primary_key_peewee_would_add() -> None:
    for model in tables.ALL_TABLES:
        if issubclass(model, tables.Tracked) or model is tables.AuditLog:
            pk = model._meta.primary_key
            assert isinstance(pk, AutoField) and pk.name == "id" and pk.column_name == "id", model.__name__
