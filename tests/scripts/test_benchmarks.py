"""The benchmark scripts still run (on tiny inputs: the figures are not checked here, only
that every line a reader relies on is printed; speed is judged by running them in full)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"bench_{name}", SCRIPTS / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_import_benchmark_prints_its_ratios(capsys: pytest.CaptureFixture[str]) -> None:
    load("bench_import").main(["--units", "300", "--sizes", "100,300", "--repeat", "1"])
    out = capsys.readouterr().out
    assert "本系统 / calamine = " in out and "目标 ≤ 2.0×" in out
    assert "基线 / 本系统" in out and "目标 ≥ 5×" in out
    assert "检查点" in out
    assert "100 行" in out and "300 行" in out


def test_import_benchmark_big_sizes_print_their_growth(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The --big path (10,000 and 50,000 units × 52 weeks when run in full), tiny here."""
    argv = ["--big", "--sizes", "60,120", "--weeks", "3", "--repeat", "1", "--backends", "sqlite"]
    load("bench_import").main(argv)
    out = capsys.readouterr().out
    assert "sqlite      60 个单位（库中已有 2 周" in out and "第 3 周导入" in out
    assert "sqlite 相对 60 个单位：120 个单位（×2）耗时 ×" in out


def test_reader_benchmark_prints_its_ratios(capsys: pytest.CaptureFixture[str]) -> None:
    load("bench_reader").main(["--rows", "200", "--cols", "6", "--repeat", "1"])
    out = capsys.readouterr().out
    assert "read_workbook（沙箱工作进程）" in out and "×" in out


def test_memory_benchmark_prints_peak_and_settled_memory(
    capsys: pytest.CaptureFixture[str],
) -> None:
    load("bench_memory").main(["--rows", "300", "--files", "2"])
    out = capsys.readouterr().out
    assert "app RSS: idle" in out and "peak" in out and "after" in out
    assert "peak < 1024 MB" in out and "退回修改表" in out


def test_subtree_benchmark_prints_each_page_with_its_sql_statements(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two new subtrees of the demo city (built into ``--template`` when missing), signed
    in as the office, on SQLite."""
    argv = ["--backends", "sqlite", "--viewers", "office", "--subtrees", "2"]
    argv += ["--townships", "0", "--template", str(tmp_path / "demo.sqlite3")]
    load("bench_subtree").main(argv)
    out = capsys.readouterr().out
    assert "== sqlite，办公室（全市）" in out and "SQL/次" in out
    assert "热切换" in out and "总览" in out and "报送情况" in out and "第2级" in out
    assert "新子树 p95" in out and "热切换 p95 的" in out
