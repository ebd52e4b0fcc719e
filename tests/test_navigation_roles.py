"""Pages a role may not use are not in its navigation (st.navigation routes no other)."""

from __future__ import annotations

from dashboard.navigation import page_files, pages_for


def _files(role: str | None) -> set[str]:
    return {file for entries in pages_for(role).values() for file, _t, _i in entries}


def test_each_role_sees_only_its_pages() -> None:
    assert _files(None) == _files("admin") == set(page_files())
    admin_only = {"settings.py", "registry.py", "audit.py"}
    for role in ("office", "liaison", "viewer"):
        assert not _files(role) & admin_only, role
    # a subtree's liaison never lists other offices' files nor undoes their imports
    assert "imports.py" not in _files("liaison") and "imports.py" in _files("office")
    assert "upload.py" not in _files("viewer")
