"""The README's two commands are the ones a newcomer and CI run."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- two-commands -->\s*```(?:bash|sh)?\n(.*?)```", text, re.S)
    assert block, "README.md lacks the two-commands block"
    return [
        line.strip()
        for line in block.group(1).splitlines()
        if line.strip() and not line.startswith("#")
    ]


def test_readme_gives_exactly_two_commands() -> None:
    assert _readme_commands() == ["./dev run", "./dev test"]


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^exec \./dev test$", ci, re.M)


def test_dev_script_defines_both_commands() -> None:
    dev = (ROOT / "dev").read_text(encoding="utf-8")
    assert re.search(r"^\s+run\)$", dev, re.M) and re.search(r"^\s+test\)$", dev, re.M)
