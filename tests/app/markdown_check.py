"""Which ``**`` delimiters CommonMark leaves as literal text (the flanking rules, §6.2).

Streamlit renders Markdown with CommonMark rules: ``**`` closes only when it is
right-flanking, so ``**热度指数（0–100）**由`` (a closing run after punctuation and before a
letter) shows its asterisks.  This is a small checker of those rules for ``**`` runs.
"""

from __future__ import annotations

import re
import unicodedata


def _punct(ch: str) -> bool:
    return bool(ch) and unicodedata.category(ch)[0] in "PS"


def _space(ch: str) -> bool:
    return not ch or ch.isspace()


def literal_bold_markers(text: str) -> list[str]:
    """Snippets around every ``**`` that would stay literal (empty when all pair up)."""
    bad: list[str] = []
    for line in text.split("\n\n"):
        stack: list[int] = []
        for match in re.finditer(r"(?<!\*)\*\*(?!\*)", line):
            start, end = match.span()
            before = line[start - 1] if start else ""
            after = line[end] if end < len(line) else ""
            left = not _space(after) and (not _punct(after) or _space(before) or _punct(before))
            right = not _space(before) and (not _punct(before) or _space(after) or _punct(after))
            if right and stack:
                stack.pop()
            elif left:
                stack.append(start)
            else:
                bad.append(line[max(0, start - 12) : end + 12])
        bad.extend(line[max(0, s - 12) : s + 14] for s in stack)
    return bad
