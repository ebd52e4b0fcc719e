"""First start: an empty database gets the schema and the demo city."""

from __future__ import annotations

from sqlalchemy import Engine

from dashboard.store import db, repo


def ensure_database(engine: Engine) -> bool:
    """Migrate; load the demo data when the registry is empty.  True if the demo was loaded."""
    db.upgrade(engine)
    if repo.unit_count(engine) > 0:
        return False
    from dashboard.demo import load_demo

    load_demo(engine)
    return True


def main() -> int:
    """``python -m dashboard.bootstrap``: what ``./dev run`` does before starting the app."""
    from dashboard.store import repo as _repo

    engine = db.connect()
    loaded = ensure_database(engine)
    units = _repo.unit_count(engine)
    print(
        f"数据库已就绪：{db.default_url()}（{units} 个单位{'，已载入演示数据' if loaded else ''}）"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
