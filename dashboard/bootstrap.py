"""First start: the office's database and the demo's, kept apart.

The office's own campaign lives in ``DATABASE_URL`` (default ``data/dashboard.sqlite3``) and
starts empty.  The fictional demo city lives in its own database, ``DEMO_DATABASE_URL``
(default ``data/demo.sqlite3``), so that nothing the demo holds can ever stand under the
office's units.  ``./dev run`` prepares both, so the demo is one click away on the first page.
"""

from __future__ import annotations

import os

from sqlalchemy import Engine

from dashboard.store import db, repo

__all__ = [
    "DEFAULT_DEMO_PATH",
    "LEGACY_DEMO_HINT",
    "demo_url",
    "ensure_database",
    "ensure_demo",
    "holds_demo",
    "main",
    "office_url",
]

DEFAULT_DEMO_PATH = db.PROJECT_ROOT / "data" / "demo.sqlite3"
LEGACY_DEMO_HINT = (
    "注意：本单位的数据库中是演示数据（早期版本首次启动时自动载入）。要开始本单位的活动，"
    "请在“开始使用”页“新建活动 / 清空数据”，或运行 python -m dashboard reset --settings（会先备份）。"
)


def office_url() -> str:
    """The office's own database (``DATABASE_URL``, else ``data/dashboard.sqlite3``)."""
    return db.default_url()


def demo_url() -> str:
    """The demo's database (``DEMO_DATABASE_URL``, else ``data/demo.sqlite3``)."""
    return os.environ.get("DEMO_DATABASE_URL") or f"sqlite:///{DEFAULT_DEMO_PATH}"


def ensure_database(engine: Engine) -> None:
    """Create or upgrade the schema.  An empty database stays empty: no demo is loaded."""
    db.upgrade(engine)


def holds_demo(engine: Engine) -> bool:
    """True when the database's registry is the demo city's (also an older install that
    loaded the demo into the office's own database)."""
    from dashboard import demo

    frame = repo.load_units(engine)
    roots = frame.loc[frame["level"] == 1]
    return (
        len(roots) == 1
        and str(roots["code"].iloc[0]) == demo.CITY_CODE
        and demo.CITY_NAME.removesuffix("市") in str(roots["name"].iloc[0])
    )


def ensure_demo(engine: Engine) -> bool:
    """Load the demo city into ``engine`` unless it is there already.  True if loaded.

    Refuses a database that holds another registry, so the demo never mixes with real data.
    """
    from dashboard import demo

    db.upgrade(engine)
    if holds_demo(engine):
        return False
    if repo.unit_count(engine) > 0:
        raise demo.DemoLoadError(
            "该数据库中已有其他单位名册，演示数据不能与之混用：请为演示另用一个数据库文件"
        )
    demo.load_demo(engine)
    return True


def main() -> int:
    """``python -m dashboard.bootstrap``: what ``./dev run`` does before starting the app."""
    office = db.connect(office_url())
    units = repo.unit_count(office)
    state = f"{units:,} 个单位" if units else "尚无数据，打开网页后可新建活动或先看演示"
    print(f"本单位数据库已就绪：{office.url.render_as_string(hide_password=True)}（{state}）")
    if units and holds_demo(office):
        print(LEGACY_DEMO_HINT)
    office.dispose()
    demo_engine = db.connect(demo_url())
    loaded = ensure_demo(demo_engine)
    demo_engine.dispose()
    print(
        f"演示数据库{'已生成' if loaded else '已就绪'}：{demo_url()}（虚构的青川市，与本单位数据分开保存）"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
