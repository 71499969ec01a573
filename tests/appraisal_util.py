"""Helpers the third ledger's tests share: branches filled with members, appraisals by grade."""

from __future__ import annotations

from collections.abc import Sequence

from pledgebook.models.appraisal import rules as appraising
from pledgebook.models.ledger import rules
from pledgebook.models.store.tables import Appraisal, Org, Person


def members(org: Org, names: Sequence[str]) -> list[Person]:
    """Members 在册 in ``org``, one per name."""
    return [rules.create_person(name, org.id) for name in names]


def appraise(people: Sequence[Person], grades: Sequence[str | None], year: int = 2011,
             **values: object) -> list[Appraisal]:
    """One appraisal per person, as a branch does it: every record made first with ``values`` (the tally's
    votes, or a 不参评原因), then graded in order (a grade None leaves it undecided)."""
    made = [appraising.save_appraisal(dict(values), person_id=p.id, year=year) for p in people]
    return [appraising.save_appraisal({"grade": grade}, person_id=p.id, year=year, appraisal_id=a.id)
            if grade is not None else a for p, a, grade in zip(people, made, grades)]
