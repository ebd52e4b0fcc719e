"""Reading a 单位名册 workbook into a validated registry table.

Pure Python: bytes in, a DataFrame and a list of problems out.  Every problem is collected
(no stop at the first one), each naming the sheet, the Excel row, the column and what to do.
Codes are text: a code typed into a number cell is restored from its number format when it
has one (``0000`` → ``0101``) and reported as a warning either way.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from dashboard.core.catalogue import Severity, normalise_header
from dashboard.core.problems import PROBLEM_COLUMNS, Problem, ProblemCollector, problem_records
from dashboard.core.settings import DEFAULT_CATEGORIES

__all__ = [
    "ALIAS_SEPARATOR",
    "CATEGORY_MAX_LENGTH",
    "COLUMNS",
    "COLUMN_LABELS",
    "CONTACT_NAME_MAX_LENGTH",
    "CONTACT_PHONE_MAX_LENGTH",
    "CONTROL_MESSAGE",
    "HEADER_SCAN_ROWS",
    "REQUIRED",
    "CategoryError",
    "Registry",
    "RegistryError",
    "category_counts",
    "category_list_problems",
    "clean_category",
    "file_error",
    "find_header",
    "has_control_characters",
    "level_counts",
    "normalise_category",
    "parse_sheets",
    "registry_rows",
    "registry_table",
    "require_valid",
    "search_units",
    "sheets_from_cells",
    "split_aliases",
    "unreadable",
    "visible_controls",
]

ALIAS_SEPARATOR = "；"
_ALIAS_SPLIT = re.compile(r"[；;\n]+")
HEADER_SCAN_ROWS = 30

# Column key -> the wordings a header may use (matched after normalise_header).
COLUMNS: dict[str, tuple[str, ...]] = {
    "code": ("单位编码", "单位代码", "编码", "代码", "单位编号", "编号"),
    "name": ("单位名称", "名称", "单位全称", "单位"),
    "parent_code": (
        "上级单位编码",
        "上级编码",
        "上级单位代码",
        "上级代码",
        "上级单位编号",
        "父级编码",
        "隶属单位编码",
        "上级",
    ),
    "category": ("类别", "单位类别", "单位类型", "类型", "分类"),
    "aliases": ("别名", "简称", "单位简称", "其他名称", "曾用名", "别称"),
    "contact_name": (
        "联络人",
        "联系人",
        "联络员",
        "填报联络人",
        "联络人姓名",
        "联系人姓名",
        "联络员姓名",
        "填报人",
    ),
    "contact_phone": (
        "联系电话",
        "联络电话",
        "电话",
        "手机",
        "手机号码",
        "手机号",
        "联系方式",
        "联络人电话",
        "联系人电话",
        "联络员电话",
        "联系手机",
    ),
}
COLUMN_LABELS: dict[str, str] = {
    "code": "单位编码",
    "name": "单位名称",
    "parent_code": "上级单位编码",
    "category": "类别",
    "aliases": "别名",
    "contact_name": "联络人",
    "contact_phone": "联系电话",
}
REQUIRED = ("code", "name", "parent_code", "category")

CATEGORY_MAX_LENGTH = 40  # units.category is String(40)
CONTACT_NAME_MAX_LENGTH = 100  # units.contact_name
CONTACT_PHONE_MAX_LENGTH = 40  # units.contact_phone

# Shorter spellings people write for one of the default categories.  Used only when the
# office's list holds the target and not the spelling itself: an office that keeps 社区 or
# 事业单位 as categories of their own gets them as written.
_CATEGORY_ALIASES: dict[str, str] = {
    "机关": "党政机关",
    "行政机关": "党政机关",
    "乡镇": "乡镇（街道）",
    "街道": "乡镇（街道）",
    "乡镇街道": "乡镇（街道）",
    "乡镇(街道)": "乡镇（街道）",
    "村": "村（社区）",
    "社区": "村（社区）",
    "村社区": "村（社区）",
    "村(社区)": "村（社区）",
    "国企": "国有企业",
    "两新": "两新组织",
}


@dataclass
class Registry(ProblemCollector):
    """The parsed registry: ``frame`` has code, name, parent_code, category, aliases,
    contact_name, contact_phone, level, sort_order, row; ``problems`` lists every error and
    warning found; ``new_categories`` the categories not in the office's list, each with its
    number of units (in order of first appearance)."""

    frame: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    sheet: str = ""
    new_categories: dict[str, int] = field(default_factory=dict)
    # Problems past the first PROBLEMS_KEPT, counted by (severity, code) (ProblemCollector).
    dropped: Counter[tuple[str, str]] = field(default_factory=Counter, compare=False)

    @property
    def depth(self) -> int:
        """The number of levels of the tree (0 when empty)."""
        return int(self.frame["level"].max()) if len(self.frame) else 0

    def new_categories_frame(self) -> pd.DataFrame:
        """The categories not yet in the office's list, with their unit counts (类别, 单位数)."""
        return pd.DataFrame(
            {"类别": list(self.new_categories), "单位数": list(self.new_categories.values())}
        )

    def new_categories_text(self) -> str:
        """``村民小组（网格）2,321 个、社会组织 12 个``."""
        return "、".join(f"“{c}”{n:,} 个" for c, n in self.new_categories.items())

    @property
    def ok(self) -> bool:
        return self.error_total == 0

    def problems_frame(self) -> pd.DataFrame:
        """The problems as the upload page shows a return's: the same columns and words
        (工作表, 行, 列, 值, 级别 错误/提醒, 问题)."""
        records = problem_records(self.problems, unit_column=False)
        frame = pd.DataFrame(records, columns=[c for c in PROBLEM_COLUMNS if c != "单位"])
        return frame.astype({"行": "Int64"})

    def problem_dicts(self) -> list[dict[str, Any]]:
        """The problems as stored with the registry import (kept ones, then counted kinds)."""
        return self.stored_problems()


class RegistryError(ValueError):
    """The registry cannot be used; ``problems`` says why."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        first = problems[0].message if problems else "单位名册有误"
        super().__init__(f"单位名册有 {len(problems)} 处错误，第一处：{first}")


def file_error(message: str, value: str = "", code: str = "unreadable") -> RegistryError:
    """The registry file as a whole cannot be read (``message`` says what to do)."""
    return RegistryError([Problem("", None, "", value, "error", code, message)])


def split_aliases(text: object) -> list[str]:
    """``"东林；东林区 ; 东林县"`` → ``["东林", "东林区", "东林县"]`` (blanks dropped, order kept)."""
    if text is None:
        return []
    seen: list[str] = []
    for part in _ALIAS_SPLIT.split(str(text)):
        part = part.strip()
        if part and part not in seen:
            seen.append(part)
    return seen


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().replace(" ", "").replace("\u3000", "")


def clean_category(text: str) -> str:
    """A category as it will be stored: trimmed, inner spaces removed, ASCII brackets made
    full-width (``村民小组(网格)`` → ``村民小组（网格）``), as the default list writes them."""
    cleaned = re.sub(r"\s+", "", str(text))
    return cleaned.replace("(", "（").replace(")", "）")


def normalise_category(text: str, categories: Sequence[str] = DEFAULT_CATEGORIES) -> str | None:
    """The office's category a written category means, or None if it is not in the list.

    Matching ignores spaces and full-/half-width differences; a short spelling of a default
    category (乡镇 → 乡镇（街道）) counts when the office's list holds that category.
    """
    folded = _fold(text)
    for category in categories:
        if folded == _fold(category):
            return category
    target = _CATEGORY_ALIASES.get(folded)
    return target if target in categories else None


class CategoryError(ValueError):
    """A category list the office asked for cannot be kept (message in Chinese)."""


def category_list_problems(categories: Sequence[str], used: set[str]) -> list[str]:
    """What is wrong with a category list (blank, too long, twice, or a category that still
    has units left out), in Chinese; empty when the list can be kept."""
    problems: list[str] = []
    if not categories:
        problems.append("类别清单为空：请至少保留一个类别")
    seen: set[str] = set()
    for name in categories:
        if not name.strip():
            problems.append("有类别名称为空：请填写名称或删除该行")
        elif len(name) > CATEGORY_MAX_LENGTH:
            problems.append(f"类别“{name}”超过 {CATEGORY_MAX_LENGTH} 个字：请改用简短的名称")
        elif _fold(name) in seen:
            problems.append(f"类别“{name}”重复：要把两个类别并为一个，请用“合并”")
        seen.add(_fold(name))
    dropped = sorted(used - set(categories))
    if dropped:
        problems.append(
            f"类别{'、'.join(f'“{c}”' for c in dropped)}下还有单位，不能删除："
            "请先把它合并到另一个类别"
        )
    return problems


# --------------------------------------------------------------------------- reading cells


@dataclass(frozen=True)
class _Cell:
    value: Any
    number_format: str = "General"


@dataclass
class _Sheet:
    name: str
    rows: list[list[_Cell]]


def sheets_from_cells(
    sheets: Sequence[tuple[str, list[list[Any]], Sequence[tuple[int, int, str]]]],
) -> list[_Sheet]:
    """The reader's sheets (name, rows of values, number formats of numeric cells) as rows of
    cells. Reading happens in the sandboxed reader (``ingest.registry_file``), never here."""
    out: list[_Sheet] = []
    for name, rows, number_formats in sheets:
        formats = {(r, c): fmt for r, c, fmt in number_formats}
        out.append(
            _Sheet(
                name,
                [
                    [_Cell(v, formats.get((r, c), "General")) for c, v in enumerate(row)]
                    for r, row in enumerate(rows)
                ],
            )
        )
    return out


CONTROL_MESSAGE = (
    "含有看不见的控制字符（如单元格内换行、制表符）：请在 Excel 中删去这些字符，"
    "把名称写在一行后重新导入"
)


def has_control_characters(text: str) -> bool:
    """Line breaks, tabs and other control characters inside a name (edges are trimmed)."""
    return any(unicodedata.category(ch) == "Cc" for ch in text)


def visible_controls(text: str) -> str:
    """``text`` with each control character shown as an escape, for the problem table."""
    return "".join(f"\\x{ord(ch):02x}" if unicodedata.category(ch) == "Cc" else ch for ch in text)


def _cell_text(cell: _Cell) -> str:
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value).strip()


_ZERO_FORMAT = re.compile(r"^0+$")


def _code_text(cell: _Cell) -> tuple[str, str | None]:
    """A code as text, and a warning when it was stored as a number.

    A number cell shown with a zero-padded format (``0000``) is read as it is displayed
    (``0101``), which is what the user sees in Excel.
    """
    value = cell.value
    if isinstance(value, bool) or not isinstance(value, int | float):
        return unicodedata.normalize("NFKC", _cell_text(cell)).replace(" ", ""), None
    if isinstance(value, float) and not value.is_integer():
        text = _cell_text(cell)
        return text, f"编码“{text}”是带小数的数字：请把该列设为“文本”格式后重新填写正确的编码"
    text = str(int(value))
    fmt = (cell.number_format or "").strip().strip('"')
    if _ZERO_FORMAT.match(fmt) and len(fmt) > len(text):
        shown = text.zfill(len(fmt))
        return shown, (
            f"编码以数字格式保存（数值 {text}），已按单元格显示的“{shown}”读取；"
            "建议把该列设为“文本”格式，避免前导零丢失"
        )
    return text, (
        f"编码以数字格式保存，已按“{text}”读取；若原编码有前导零（如 0{text}），"
        "请把该列设为“文本”格式后重新填写"
    )


# --------------------------------------------------------------------------- header


def _header_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    for key, wordings in COLUMNS.items():
        for wording in wordings:
            lookup.setdefault(normalise_header(wording), key)
    return lookup


def find_header(rows: list[list[_Cell]]) -> tuple[int, dict[str, int]] | None:
    """The header row (0-based) under any title rows, and column key -> column index."""
    lookup = _header_lookup()
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        found: dict[str, int] = {}
        for col, cell in enumerate(row):
            key = lookup.get(normalise_header(_cell_text(cell)))
            if key is not None and key not in found:
                found[key] = col
        if "code" in found and "name" in found and len(found) >= 3:
            return index, found
    return None


# --------------------------------------------------------------------------- parse + validate


def unreadable(message: str, file_name: str, code: str = "unreadable") -> Registry:
    """The registry of a file the reader refused: no units, one whole-file problem
    (``code``: the reader's code)."""
    return Registry(_empty_frame(), list(file_error(message, file_name, code).problems))


def parse_sheets(sheets: Sequence[_Sheet], categories: Sequence[str] | None = None) -> Registry:
    """Validate a registry read by the reader against the office's ``categories`` (the
    ``categories`` setting; the defaults when None).  Never raises for content problems:
    check ``Registry.ok``, ``Registry.problems`` and ``Registry.new_categories``."""
    known = tuple(categories) if categories is not None else DEFAULT_CATEGORIES
    for sheet in sheets:
        header = find_header(sheet.rows)
        if header is not None:
            return _validate(sheet, *header, known)
    names = "、".join(s.name for s in sheets) or "（无工作表）"
    wanted = "、".join(COLUMN_LABELS[k] for k in REQUIRED)
    return Registry(
        _empty_frame(),
        [
            Problem(
                names,
                None,
                "",
                "",
                "error",
                "no_header",
                f"在前 {HEADER_SCAN_ROWS} 行中没有找到表头：请保留表头行，列名应包含{wanted}",
            )
        ],
    )


def _empty_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "code": pd.Series(dtype="str"),
            "name": pd.Series(dtype="str"),
            "parent_code": pd.Series(dtype="object"),
            "category": pd.Series(dtype="str"),
            "aliases": pd.Series(dtype="str"),
            "contact_name": pd.Series(dtype="object"),
            "contact_phone": pd.Series(dtype="object"),
            "level": pd.Series(dtype="int64"),
            "sort_order": pd.Series(dtype="int64"),
            "row": pd.Series(dtype="int64"),
        }
    )


@dataclass
class _Row:
    excel_row: int
    code: str
    name: str
    parent: str
    category_raw: str
    category: str | None
    aliases: list[str]
    contact_name: str = ""
    contact_phone: str = ""


# Reports one problem: (code, Excel row, column key, value, message[, severity]).
_Add = Callable[..., None]


def _validate(
    sheet: _Sheet, header_row: int, columns: dict[str, int], categories: Sequence[str]
) -> Registry:
    found = Registry(_empty_frame(), sheet=sheet.name)

    def add(
        code: str,
        row: int | None,
        key: str,
        value: str,
        message: str,
        severity: Severity = "error",
    ) -> None:
        label = COLUMN_LABELS.get(key, key)
        found.add_problem(Problem(sheet.name, row, label, value, severity, code, message))

    missing = [k for k in REQUIRED if k not in columns]
    for key in missing:
        add(
            "missing_column",
            header_row + 1,
            key,
            "",
            f"表头缺少“{COLUMN_LABELS[key]}”列：请在第 {header_row + 1} 行加上该列后重新上传",
        )
    if missing:
        return found

    rows = _collect_rows(sheet, header_row, columns, categories, add)
    _check_duplicates(rows, add)
    by_code = {r.code: r for r in rows if r.code}
    levels = _check_tree(rows, by_code, add)

    frame = pd.DataFrame(
        {
            "code": [r.code for r in rows],
            "name": [r.name for r in rows],
            "parent_code": [r.parent or None for r in rows],
            "category": [r.category or clean_category(r.category_raw) for r in rows],
            "aliases": [ALIAS_SEPARATOR.join(r.aliases) for r in rows],
            "contact_name": [r.contact_name or None for r in rows],
            "contact_phone": [r.contact_phone or None for r in rows],
            "level": [levels.get(r.code, 0) for r in rows],
            "sort_order": list(range(len(rows))),
            "row": [r.excel_row for r in rows],
        }
    )
    found.problems.sort(key=lambda p: (p.severity != "error", p.row or 0))
    found.note_dropped()
    for row in rows:
        if row.category is None and row.category_raw:
            label = clean_category(row.category_raw)
            found.new_categories[label] = found.new_categories.get(label, 0) + 1
    found.frame = frame.astype({"level": "int64", "sort_order": "int64", "row": "int64"})
    return found


def _collect_rows(
    sheet: _Sheet,
    header_row: int,
    columns: dict[str, int],
    categories: Sequence[str],
    add: _Add,
) -> list[_Row]:
    def cell(row: list[_Cell], key: str) -> _Cell:
        col = columns.get(key)
        if col is None or col >= len(row):
            return _Cell(None)
        return row[col]

    rows: list[_Row] = []
    for index in range(header_row + 1, len(sheet.rows)):
        raw = sheet.rows[index]
        excel_row = index + 1
        code, code_warning = _code_text(cell(raw, "code"))
        parent, parent_warning = _code_text(cell(raw, "parent_code"))
        name = _cell_text(cell(raw, "name"))
        category_raw = _cell_text(cell(raw, "category"))
        alias_text = _cell_text(cell(raw, "aliases"))
        contact_name = _cell_text(cell(raw, "contact_name"))
        contact_phone = _phone_text(cell(raw, "contact_phone"))
        if not any((code, name, parent, category_raw, alias_text)):
            continue
        for key, value, warning in (
            ("code", code, code_warning),
            ("parent_code", parent, parent_warning),
        ):
            if warning:
                add("code_as_number", excel_row, key, value, warning, "warning")
        for key, value in (("code", code), ("name", name), ("parent_code", parent)):
            if has_control_characters(value):
                add("control_characters", excel_row, key, visible_controls(value), CONTROL_MESSAGE)
        for key, value in (
            ("aliases", alias_text),
            ("category", category_raw),
            ("contact_name", contact_name),
            ("contact_phone", contact_phone),
        ):
            if has_control_characters(value):
                add("control_characters", excel_row, key, visible_controls(value), CONTROL_MESSAGE)
        if not code:
            add(
                "empty_code",
                excel_row,
                "code",
                "",
                "单位编码为空：请填写该单位的编码（每个单位唯一）",
            )
        if not name:
            add("empty_name", excel_row, "name", "", "单位名称为空：请填写该单位的全称")
        category = normalise_category(category_raw, categories) if category_raw else None
        if not category_raw:
            add(
                "empty_category",
                excel_row,
                "category",
                "",
                f"类别为空：请填写该单位的类别，如{'、'.join(categories[:8]) or '党政机关'}",
            )
        elif category is None and len(clean_category(category_raw)) > CATEGORY_MAX_LENGTH:
            add(
                "category_too_long",
                excel_row,
                "category",
                category_raw,
                f"类别“{category_raw}”超过 {CATEGORY_MAX_LENGTH} 个字：请改用简短的类别名称",
            )
        _check_contact(excel_row, contact_name, contact_phone, add)
        rows.append(
            _Row(
                excel_row,
                code,
                name,
                parent,
                category_raw,
                category,
                split_aliases(alias_text),
                contact_name,
                contact_phone,
            )
        )
    if not rows:
        add("no_units", header_row + 1, "code", "", "表头下没有任何单位：请在表头下方逐行填写单位")
    return rows


def _phone_text(cell: _Cell) -> str:
    """A phone number as text: a number cell (13912345678.0) loses its float tail."""
    return unicodedata.normalize("NFKC", _cell_text(cell)).strip()


def _check_contact(excel_row: int, name: str, phone: str, add: _Add) -> None:
    if len(name) > CONTACT_NAME_MAX_LENGTH:
        add(
            "contact_too_long",
            excel_row,
            "contact_name",
            name,
            f"联络人超过 {CONTACT_NAME_MAX_LENGTH} 个字：请只填写联络人姓名（多人用顿号分隔）",
        )
    if len(phone) > CONTACT_PHONE_MAX_LENGTH:
        add(
            "phone_too_long",
            excel_row,
            "contact_phone",
            phone,
            f"联系电话超过 {CONTACT_PHONE_MAX_LENGTH} 个字符：请只填写一个电话号码",
        )
    elif phone and not re.search(r"\d{5}", re.sub(r"[\s\-－—()（）]", "", phone)):
        add(
            "phone_no_number",
            excel_row,
            "contact_phone",
            phone,
            "联系电话中没有号码：请填写手机或座机号码（如 13912345678 或 0571-88001234）",
            "warning",
        )


def _check_duplicates(rows: list[_Row], add: _Add) -> None:
    first_row: dict[str, int] = {}
    for row in rows:
        if not row.code:
            continue
        if row.code in first_row:
            add(
                "duplicate_code",
                row.excel_row,
                "code",
                row.code,
                f"单位编码“{row.code}”与第 {first_row[row.code]} 行重复：每个单位的编码必须唯一，"
                "请修改其中一个",
            )
        else:
            first_row[row.code] = row.excel_row


def _check_tree(rows: list[_Row], by_code: dict[str, _Row], add: _Add) -> dict[str, int]:
    """Check parents, roots and cycles; return code -> level for units reachable from the root."""
    roots = [r for r in rows if r.code and not r.parent]
    for row in rows:
        if not row.code or not row.parent:
            continue
        if row.parent == row.code:
            add(
                "parent_is_self",
                row.excel_row,
                "parent_code",
                row.parent,
                "上级单位编码是本单位自己：请填写其真正的上级单位编码",
            )
        elif row.parent not in by_code:
            add(
                "unknown_parent",
                row.excel_row,
                "parent_code",
                row.parent,
                f"上级单位编码“{row.parent}”在名册中不存在：请核对编码，或先在名册中添加该上级单位",
            )
    if not roots and rows:
        add(
            "no_root",
            None,
            "parent_code",
            "",
            "名册中没有根单位（上级单位编码为空的单位）：请把最高一级单位（如市委）的上级单位编码留空",
        )
    if len(roots) > 1:
        listed = "、".join(f"第 {r.excel_row} 行“{r.name or r.code}”" for r in roots[:10])
        for root in roots[1:]:
            add(
                "many_roots",
                root.excel_row,
                "parent_code",
                "",
                f"名册中有 {len(roots)} 个根单位（上级单位编码为空）：{listed}。只能有一个根单位，"
                "请为其余单位填写上级单位编码",
            )
    children: dict[str, list[str]] = {}
    for row in rows:
        if row.code and row.parent and row.parent != row.code and row.parent in by_code:
            children.setdefault(row.parent, []).append(row.code)
    levels: dict[str, int] = {}
    for root in roots[:1]:
        levels[root.code] = 1
        stack = [root.code]
        while stack:
            current = stack.pop()
            for child in children.get(current, []):
                if child not in levels:
                    levels[child] = levels[current] + 1
                    stack.append(child)
    _report_cycles(rows, by_code, add)
    return levels


def _report_cycles(rows: list[_Row], by_code: dict[str, _Row], add: _Add) -> None:
    reported: set[str] = set()
    for row in rows:
        if not row.code or row.code in reported:
            continue
        path: list[str] = []
        current: str | None = row.code
        seen: set[str] = set()
        while current is not None and current in by_code and current not in seen:
            seen.add(current)
            path.append(current)
            parent = by_code[current].parent
            current = parent if parent and parent != current else None
        if current is None or current not in seen:
            continue
        loop = path[path.index(current) :]
        if reported.intersection(loop):
            continue
        reported.update(loop)
        chain = " → ".join([*loop, loop[0]])
        first = by_code[loop[0]]
        add(
            "parent_cycle",
            first.excel_row,
            "parent_code",
            first.parent,
            f"上级关系形成循环（{chain}）：请核对这些单位的上级单位编码，使每个单位都能追溯到根单位",
        )


def require_valid(registry: Registry) -> Registry:
    """Raise RegistryError when the registry has errors."""
    if not registry.ok:
        raise RegistryError(registry.errors)
    return registry


def registry_rows(frame: pd.DataFrame) -> Iterable[dict[str, Any]]:
    """Rows of a registry frame as dicts (code, name, parent_code, category, aliases, level, sort_order)."""
    for record in frame.to_dict("records"):
        yield {
            "code": str(record["code"]),
            "name": str(record["name"]),
            "parent_code": record["parent_code"]
            if isinstance(record["parent_code"], str)
            else None,
            "category": str(record["category"]),
            "aliases": str(record["aliases"] or ""),
            "contact_name": _optional_text(record.get("contact_name")),
            "contact_phone": _optional_text(record.get("contact_phone")),
            "level": int(record["level"]),
            "sort_order": int(record["sort_order"]),
        }


def _optional_text(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


# --------------------------------------------------------------------------- views of a registry


def level_counts(units: pd.DataFrame, level_names: list[str]) -> pd.DataFrame:
    """Units per level, with the configured level names (层级, 单位数)."""
    from dashboard.core.settings import level_name

    counts = units["level"].value_counts().sort_index()
    return pd.DataFrame(
        {
            "层级": [level_name(int(level), level_names) for level in counts.index],
            "单位数": counts.to_numpy(),
        }
    )


def category_counts(units: pd.DataFrame, categories: Sequence[str] = ()) -> pd.DataFrame:
    """Units per category in the office's order (类别, 单位数); categories outside the list
    (none after an import) follow by size."""
    counts = units["category"].value_counts()
    order = [c for c in categories if c in counts.index] + [
        c for c in counts.index if c not in categories
    ]
    return pd.DataFrame({"类别": order, "单位数": [int(counts[c]) for c in order]})


def search_units(units: pd.DataFrame, text: str) -> pd.DataFrame:
    """Units whose code, name or aliases contain ``text`` (all units when it is blank)."""
    needle = text.strip()
    if not needle:
        return units
    hay = (
        units["code"].astype(str)
        + "|"
        + units["name"].astype(str)
        + "|"
        + units["aliases"].fillna("").astype(str)
    )
    return units[hay.str.contains(needle, case=False, regex=False)]


def registry_table(units: pd.DataFrame, level_names: list[str]) -> pd.DataFrame:
    """The registry as the office reads it (Chinese columns, parent by name, status)."""
    from dashboard.core.settings import level_name

    names = dict(zip(units["code"], units["name"], strict=True))
    table = pd.DataFrame(
        {
            "单位编码": units["code"].astype(str),
            "单位名称": units["name"],
            "上级单位": [
                names.get(p, p) if isinstance(p, str) else "" for p in units["parent_code"]
            ],
            "层级": [level_name(int(v), level_names) for v in units["level"]],
            "类别": units["category"],
            "别名": units["aliases"].fillna(""),
        }
    )
    for column, label in (("contact_name", "联络人"), ("contact_phone", "联系电话")):
        if column in units.columns and units[column].notna().any():
            table[label] = units[column].fillna("").astype(str).to_numpy()
    if "retired" in units.columns:
        table["状态"] = ["已撤销" if r else "在册" for r in units["retired"].astype(bool)]
    return table.reset_index(drop=True)
