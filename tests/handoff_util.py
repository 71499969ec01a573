"""Helpers for the hand-off tests: county and prefecture ledgers in temp files, re-zipping bundles.

A county made here signs its bundles (``keys init``), as a county that follows the instructions does; the
prefecture trusts a county's key only when a test says so (:func:`trust_bundles`, the ``keys trust`` after
the phone call). :func:`rezip` re-signs an edited manifest with the county's own key, so that a hostile
edit is caught by the checks of the data, not by the signature.
"""

from __future__ import annotations

import base64
import hashlib
import json
import zipfile
from pathlib import Path

from pledgebook.models.store.db import close_database, open_database, set_setting
from pledgebook.models.store.tables import database

SIGNERS: dict[str, object] = {}  # base64 public key → the county's SigningKey, to re-sign edited bundles


def make_county(path: Path, *, seed: int = 7, pledges: int = 300, code: str = "539901", name: str = "云岭县",
                signed: bool = True, third: bool = True) -> Path:
    """A small demo county in its own file, renamed to ``code``/``name`` (left open); with ``signed``, its
    key pair made (``keys init``, public key beside the file) so that its bundles are signed; with ``third``,
    a few records of the third ledger (:func:`add_third_ledger`) when the demo has none."""
    from pledgebook.bundle import keys
    from pledgebook.demo.pledges import build_demo

    open_database(path)
    build_demo(total_pledges=pledges, seed=seed)
    if third:
        add_third_ledger()
    if code != "539901":
        with database.atomic():
            set_setting("county_code", code)
            set_setting("county_name", name)
            database.execute_sql("UPDATE org SET code = ? || substr(code, 7) WHERE code IS NOT NULL", [code])
            database.execute_sql("UPDATE org SET name = ? WHERE parent_id IS NULL", [name])
    if signed:
        pub, _, _ = keys.init_keys(path.parent, force=True)
        sk = keys.load_signing_key(code)
        SIGNERS[base64.b64encode(pub.key).decode("ascii")] = sk
    return path


def trust_bundles(*bundles: Path) -> None:
    """At the open prefecture, trust the key each bundle is signed with (as ``keys trust`` after the phone call)."""
    from pledgebook.bundle import keys

    for bundle in bundles:
        src = members(bundle)
        m = json.loads(src["manifest.json"])
        sig = json.loads(src["signature.json"])
        pub = keys.PublicKey(m["county"]["name"], m["county"]["code"], base64.b64decode(sig["public_key"]))
        if keys.trusted_key(pub.county_code) != pub:
            keys.trust(pub, replace=True)


def make_prefecture(path: Path, year: int | None = None, *, trusting: tuple[Path, ...] | list[Path] = ()) -> Path:
    """A prefecture ledger (left open) that trusts the keys of the bundles in ``trusting``."""
    from datetime import date

    from pledgebook.models.ledger import rules

    open_database(path)
    rules.init_county("普洱市", "530800", year or date.today().year, level="prefecture")
    trust_bundles(*trusting)
    return path


def use(path: Path) -> None:
    close_database()
    open_database(path)


def file_state(path: Path) -> tuple[bytes, bytes]:
    """The bytes of a ledger and its WAL, to prove nothing was written."""
    wal = Path(str(path) + "-wal")
    return path.read_bytes(), (wal.read_bytes() if wal.exists() else b"")


def members(bundle: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(bundle) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist()}


def resign(src: dict[str, bytes]) -> dict[str, bytes]:
    """Sign manifest.json again with the key that signed the bundle (a county's own key, see SIGNERS)."""
    from pledgebook.bundle import keys

    if "signature.json" in src:
        sk = SIGNERS[json.loads(src["signature.json"])["public_key"]]
        src["signature.json"] = json.dumps(keys.sign(src["manifest.json"], sk)).encode("ascii")
    return src


def rezip(src: dict[str, bytes], dest: Path, *, fix_manifest: bool = False, drop_signature: bool = False,
          sign: bool = True) -> Path:
    """Write members to a new zip; with fix_manifest, recompute sizes and hashes in manifest.json and (unless
    ``sign`` is false) sign it again with the county's key, as a county that meant harm could."""
    src = dict(src)
    if drop_signature:
        src.pop("signature.json", None)
    if fix_manifest:
        m = json.loads(src["manifest.json"])
        for name in list(m["members"]):
            if name in src:
                m["members"][name] = {"sha256": hashlib.sha256(src[name]).hexdigest(), "size": len(src[name])}
        for name, data in src.items():
            if name.endswith(".jsonl") and name in m["members"]:
                m["counts"][name[:-6]] = data.count(b"\n")
        src["manifest.json"] = json.dumps(m, ensure_ascii=False).encode()
        if sign:
            resign(src)
    with zipfile.ZipFile(dest, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in src.items():
            zf.writestr(zipfile.ZipInfo(name), data, compress_type=zipfile.ZIP_DEFLATED)
    return dest


def downgrade(src: dict[str, bytes], version: int) -> dict[str, bytes]:
    """The bundle as an older program of format ``version`` writes it: without the later tables' members."""
    from pledgebook.bundle.format import TABLES

    src = dict(src)
    m = json.loads(src["manifest.json"])
    m["format_version"] = version
    for spec in TABLES:
        if spec.since > version:
            src.pop(f"{spec.name}.jsonl")
            m["members"].pop(f"{spec.name}.jsonl")
            m["counts"].pop(spec.name)
    src["manifest.json"] = json.dumps(m, ensure_ascii=False).encode()
    return src


PERSON_REFS = {"pledge": ("person_uid",), "contact_point": ("leader_uid",), "pairing": ("helper_uid", "helped_person_uid"),
               "stationing": ("cadre_uid",), "help_log": ("person_uid",), "appraisal": ("person_uid",),
               "honour": ("person_uid",)}
THIRD = ("appraisal", "disposal", "star_rating", "honour")


def add_third_ledger(year: int | None = None) -> dict[str, int]:
    """Records of the third ledger in the open year, for each of its tables the demo left empty: six members
    of one branch appraised (优秀, 合格 ×2, 基本合格 and 不合格 with a 处置 each — one closed, one open —, one
    exempt), that branch and another rated (one confirmed), an 优秀共产党员 candidate and a 先进基层党组织
    confirmed beyond the criteria with a reason. Returns the count per table."""
    from datetime import date

    from pledgebook.models.store.tables import Appraisal, Disposal, Honour, Org, Person, StarRating, WorkYear

    year = year or max(w.year for w in WorkYear.select().where(WorkYear.closed == False))  # noqa: E712
    branches = [o for o in Org.select().where(Org.kind == "branch", Org.deleted_at.is_null()).order_by(Org.id)
                if Person.select().where(Person.org == o, Person.state == "active").count() >= 6][:2]
    branch = branches[0]
    people = list(Person.select().where(Person.org == branch, Person.state == "active").order_by(Person.id))[:6]
    decided = date(year, 11, 28)
    if not Appraisal.select().exists():
        grades = ["excellent", "qualified", "qualified", "basic", "unqualified", None]
        for n, (person, grade) in enumerate(zip(people, grades)):
            a = Appraisal.create(
                year=year, person=person, org=branch, self_review="按承诺践诺", ballots_issued=30, ballots_valid=29,
                votes_excellent=10 + n, votes_qualified=15 - n, votes_basic_qualified=2, votes_unqualified=1,
                grade=grade, exempt_reason=None if grade else "流动党员", decided_on=decided if grade else None)
            if grade in ("basic", "unqualified"):
                Disposal.create(appraisal=a, kind="correct" if grade == "basic" else "educate", decided_on=decided,
                                due_date=date(year + 1, 3, 10), closed_on=decided if grade == "basic" else None,
                                result="已改正" if grade == "basic" else "")
    if not StarRating.select().exists():
        for n, org in enumerate(branches):
            StarRating.create(year=year, org=org, score_leadership=18, score_members=19 - n, score_mechanism=17,
                              score_performance=20, score_public=18, proposed_stars=5 - n, stars=5 - n if n == 0 else None,
                              confirmed_on=decided if n == 0 else None, confirmed_by="组织部" if n == 0 else "")
    if not Honour.select().exists():
        Honour.create(year=year, kind="excellent_member", org=branch, person=people[0], source="proposed")
        Honour.create(year=year, kind="advanced_org", org=branch, source="manual", status="confirmed",
                      meets_criteria=False, reason="群众公认", decided_on=decided)
    return {t: database.execute_sql(f"SELECT count(*) FROM {t}").fetchone()[0] for t in THIRD}


def rows(src: dict[str, bytes], table: str) -> list[dict]:
    return [json.loads(line) for line in src[f"{table}.jsonl"].split(b"\n") if line]


def put(src: dict[str, bytes], table: str, records: list[dict]) -> dict[str, bytes]:
    def line(r: dict) -> bytes:
        try:
            return json.dumps(r, ensure_ascii=False).encode()
        except UnicodeEncodeError:  # a lone surrogate: as its \\u escape, the way a hostile file would carry it
            return json.dumps(r).encode()

    src[f"{table}.jsonl"] = b"".join(line(r) + b"\n" for r in records)
    return src


def slim(src: dict[str, bytes]) -> dict[str, bytes]:
    """The bundle with only the members anything points at (a demo county has 13,724): fast to merge."""
    src = dict(src)
    # the appraisals of every member (the demo's December) thinned too: those with a 处置, and a few more
    disposed = {r["appraisal_uid"] for r in rows(src, "disposal")}
    put(src, "appraisal", [r for n, r in enumerate(rows(src, "appraisal")) if n < 20 or r["uid"] in disposed])
    wanted = {r[f] for t, fields in PERSON_REFS.items() for r in rows(src, t) for f in fields if r[f]}
    return put(src, "person", [r for r in rows(src, "person") if r["uid"] in wanted])
