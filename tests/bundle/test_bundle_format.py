"""The bundle's format against the schema: every column of every table travels, or stays home for a reason.

:data:`pledgebook.bundle.format.TABLES` describes the tables of :mod:`pledgebook.models.store.tables` a
third time (after the models and the migrations). These tests keep the two in step: a column added to
a model must be added to the format, or to :data:`~pledgebook.bundle.format.HOME_COLUMNS` with the reason
it stays home; a new model, to :data:`~pledgebook.bundle.format.TABLES` or
:data:`~pledgebook.bundle.format.HOME_TABLES`. Otherwise a county's new data would silently never reach
the prefecture.
"""

from __future__ import annotations

import pytest
from peewee import (
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    FloatField,
    ForeignKeyField,
    IntegerField,
    TextField,
)

from pledgebook.bundle.format import (
    HOME_COLUMNS,
    HOME_TABLES,
    PII_FIELDS,
    TABLE_BY_NAME,
    TABLES,
    column_of,
    select_sql,
)
from pledgebook.models.store import tables

MODELS = {m._meta.table_name: m for m in tables.ALL_TABLES}
TRAVELLING = [m for name, m in MODELS.items() if name in TABLE_BY_NAME]

# the bundle's kind of a field, by the peewee field class (the first that matches)
KINDS: tuple[tuple[type, set[str]], ...] = (
    (ForeignKeyField, {"ref"}),
    (BooleanField, {"bool"}),
    (DateTimeField, {"dt"}),
    (DateField, {"date"}),
    (IntegerField, {"int"}),
    (FloatField, {"float"}),
    (CharField, {"uid", "text", "code"}),
    (TextField, {"text"}),
)


def _kinds(field: object) -> set[str]:
    return next(kinds for cls, kinds in KINDS if isinstance(field, cls))


def test_every_model_is_listed_in_all_tables():
    """A model added to tables.py but not to ALL_TABLES would escape the checks below."""
    defined = {obj for obj in vars(tables).values()
               if isinstance(obj, type) and issubclass(obj, tables.BaseModel)
               and obj.__module__ == tables.__name__ and obj not in (tables.BaseModel, tables.Tracked)}
    assert defined == set(tables.ALL_TABLES)


def test_every_table_travels_or_stays_home_for_a_reason():
    both = set(TABLE_BY_NAME) & set(HOME_TABLES)
    neither = set(MODELS) - set(TABLE_BY_NAME) - set(HOME_TABLES)
    assert not both, f"in the format and listed as staying home: {sorted(both)}"
    assert not neither, (f"tables neither in bundle.format.TABLES nor in HOME_TABLES: {sorted(neither)}; "
                         "add each to the format, or to HOME_TABLES with the reason it stays home")
    assert set(TABLE_BY_NAME) <= set(MODELS), sorted(set(TABLE_BY_NAME) - set(MODELS))
    assert set(HOME_TABLES) <= set(MODELS), sorted(set(HOME_TABLES) - set(MODELS))  # no stale entries
    assert all(reason.strip() for reason in HOME_TABLES.values())


def test_every_column_of_a_travelling_table_travels_or_stays_home_for_a_reason():
    problems = []
    for model in TRAVELLING:
        table = model._meta.table_name
        in_format = {column_of(f) for f in TABLE_BY_NAME[table].fields}
        for field in model._meta.sorted_fields:
            column = field.column_name
            home = (table, column) in HOME_COLUMNS
            if column in in_format and home:
                problems.append(f"{table}.{column}: in the format and listed as staying home")
            elif column not in in_format and not home:
                problems.append(f"{table}.{column}: neither in bundle.format.TABLES nor in HOME_COLUMNS")
    assert not problems, ("; ".join(problems) + ". Add the column to the table's fields in bundle/format.py, "
                          "or to HOME_COLUMNS with the reason it stays home (PII travels in the format, "
                          "NULL unless --include-pii: see PII_FIELDS).")


def test_what_stays_home_names_real_columns_with_a_reason():
    for (table, column), reason in HOME_COLUMNS.items():
        assert table in MODELS and column in {f.column_name for f in MODELS[table]._meta.sorted_fields}, (table, column)
        assert reason.strip(), (table, column)


@pytest.mark.parametrize("spec", TABLES, ids=[t.name for t in TABLES])
def test_each_field_is_a_column_of_its_model_with_the_same_kind_and_nullability(spec):
    columns = {f.column_name: f for f in MODELS[spec.name]._meta.sorted_fields}
    for f in spec.fields:
        column = column_of(f)
        assert column in columns, f"{spec.name}.{f.name}: no column {column} in the model"
        model_field = columns[column]
        assert f.kind in _kinds(model_field), f"{spec.name}.{f.name}: {f.kind}, the model has {type(model_field).__name__}"
        assert f.nullable == model_field.null, f"{spec.name}.{f.name}: nullable {f.nullable}, the model says {model_field.null}"
        if f.kind == "ref":
            assert model_field.rel_model._meta.table_name == f.ref, f"{spec.name}.{f.name} points to {f.ref}"


def test_pii_is_in_the_format_and_left_out_unless_asked():
    person = TABLE_BY_NAME["person"]
    assert set(PII_FIELDS) <= {f.name for f in person.fields}
    without, with_pii = select_sql(person, include_pii=False), select_sql(person, include_pii=True)
    for name in PII_FIELDS:
        assert f"t.{name}" not in without and f"t.{name}" in with_pii
