"""The TUI's bundle import offers what the CLI does: a county whose key is not trusted is refused by default,
and imported only through an explicit, audited "仍然导入（未经信任）" (the CLI's --allow-unsigned)."""

from __future__ import annotations

from tui_util import aio, check_file, make_app, settle, text_of


@aio
async def test_an_untrusted_county_is_imported_only_when_asked_and_audited(tmp_path):
    from handoff_util import make_county, make_prefecture

    from pledgebook.bundle.write import write_bundle
    from pledgebook.models.store.db import close_database, open_database
    from pledgebook.models.store.tables import AuditLog, ImportBatch, database

    make_county(tmp_path / "a.db", seed=7, pledges=60)
    bundle = write_bundle(tmp_path).path
    close_database()
    make_prefecture(tmp_path / "p.db")  # trusts nobody
    close_database()
    app = make_app(tmp_path / "p.db")
    async with app.run_test(size=(100, 34)) as pilot:
        await check_file(app, pilot, bundle)
        shown = text_of(app.screen, "#imp-result")
        assert "该县的公钥尚未受本台账信任：默认不导入" in shown and "仍然导入" in shown
        await pilot.press("f3")
        await settle(app, pilot)
        assert "签名公钥（指纹" in app.screen.message and "记入审计日志" in app.screen.message
        assert app.screen.yes == "仍然导入（未经信任）"
        await pilot.press("n")  # cancelled: nothing written
        await settle(app, pilot)
        await pilot.press("f3")
        await settle(app, pilot)
        await pilot.press("y")
        await settle(app, pilot)
        shown = text_of(app.screen, "#imp-result")
        assert "已导入「云岭县」数据包" in shown and "按「仍然导入（未经信任）」导入" in shown
        assert "--allow-unsigned" not in shown  # the screen names its own button, not the CLI's option
    open_database(tmp_path / "p.db")
    assert ImportBatch.select().where(ImportBatch.kind == "bundle-unsigned").count() == 1
    assert AuditLog.select().where(AuditLog.note.contains("签名公钥未经本级信任，按 --allow-unsigned 导入")).count() == 1
    assert database.execute_sql("SELECT count(*) FROM pledge").fetchone()[0] == 60
    close_database()
