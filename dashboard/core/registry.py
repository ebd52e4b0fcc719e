"""Reading a 单位名册 workbook into a validated registry table.

Pure Python: bytes in, a DataFrame and a list of problems out.  Every problem is collected
(no stop at the first one), each naming the sheet, the Excel row, the column and what to do.
Codes are text: a code typed into a number cell is restored from its number format when it
has one (``0000`` → ``0101``) and reported as a warning either way.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import PurePath
from typing import Any, Literal

import pandas as pd

from dashboard.core.catalogue import normalise_header
from dashboard.core.units import CATEGORIES

Severity = Literal["error", "warning"]

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
}
COLUMN_LABELS: dict[str, str] = {
    "code": "单位编码",
    "name": "单位名称",
    "parent_code": "上级单位编码",
    "category": "类别",
    "aliases": "别名",
}
REQUIRED = ("code", "name", "parent_code", "category")

# Shorter spellings people write for a category.
_CATEGORY_ALIASES: dict[str, str] = {
    "机关": "党政机关",
    "党政机关": "党政机关",
    "行政机关": "党政机关",
    "事业单位": "党政机关",
    "乡镇": "乡镇（街道）",
    "街道": "乡镇（街道）",
    "乡镇街道": "乡镇（街道）",
    "乡镇(街道)": "乡镇（街道）",
    "村": "村（社区）",
    "社区": "村（社区）",
    "村社区": "村（社区）",
    "村(社区)": "村（社区）",
    "学校": "学校",
    "医院": "医院",
    "国企": "国有企业",
    "国有企业": "国有企业",
    "两新组织": "两新组织",
    "两新": "两新组织",
    "非公企业": "两新组织",
    "社会组织": "两新组织",
}


@dataclass(frozen=True)
class RegistryProblem:
    """One thing wrong with the registry, in the user's terms."""

    severity: Severity
    sheet: str
    row: int | None  # Excel row number (1-based), None for the whole file
    column: str  # header as the template names it, "" for the whole row
    value: str
    message: str  # what is wrong and what to do


@dataclass
class Registry:
    """The parsed registry: ``frame`` has code, name, parent_code, category, aliases, level,
    sort_order, row; ``problems`` lists every error and warning found."""

    frame: pd.DataFrame
    problems: list[RegistryProblem] = field(default_factory=list)
    sheet: str = ""

    @property
    def errors(self) -> list[RegistryProblem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[RegistryProblem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def problems_frame(self) -> pd.DataFrame:
        """The problems as a table with Chinese column names, for pages and the CLI."""
        rows = [
            {
                "级别": "错误" if p.severity == "error" else "提示",
                "工作表": p.sheet,
                "行": p.row,
                "列": p.column,
                "内容": p.value,
                "说明": p.message,
            }
            for p in self.problems
        ]
        return pd.DataFrame(rows, columns=["级别", "工作表", "行", "列", "内容", "说明"])

    def problem_dicts(self) -> list[dict[str, Any]]:
        return [asdict(p) for p in self.problems]


class RegistryError(ValueError):
    """The registry cannot be used; ``problems`` says why."""

    def __init__(self, problems: list[RegistryProblem]) -> None:
        self.problems = problems
        first = problems[0].message if problems else "单位名册有误"
        super().__init__(f"单位名册有 {len(problems)} 处错误，第一处：{first}")


def file_error(message: str, value: str = "") -> RegistryError:
    """The registry file as a whole cannot be read (``message`` says what to do)."""
    return RegistryError([RegistryProblem("error", "", None, "", value, message)])


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


def normalise_category(text: str) -> str | None:
    """The catalogue category a written category means, or None if it is unknown."""
    folded = unicodedata.normalize("NFKC", text).strip().replace(" ", "")
    for category in CATEGORIES:
        if folded == unicodedata.normalize("NFKC", category):
            return category
    return _CATEGORY_ALIASES.get(folded)


# --------------------------------------------------------------------------- reading cells


@dataclass(frozen=True)
class _Cell:
    value: Any
    number_format: str = "General"


@dataclass
class _Sheet:
    name: str
    rows: list[list[_Cell]]


def read_sheets(file_name: str, content: bytes) -> list[_Sheet]:
    """Every sheet of the workbook as rows of cells (values as written, formats kept)."""
    suffix = PurePath(file_name).suffix.lower()
    if suffix == ".csv":
        return [_read_csv(file_name, content)]
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(content)
    if suffix == ".xls":
        return _read_xls(content)
    raise file_error(
        f"不支持的文件类型“{suffix or '无扩展名'}”：请上传 .xlsx、.xls 或 .csv 格式的单位名册",
        file_name,
    )


def _read_csv(file_name: str, content: bytes) -> _Sheet:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes nearly anything
        text = content.decode("utf-8", errors="replace")
    rows = [[_Cell(v) for v in row] for row in csv.reader(io.StringIO(text))]
    return _Sheet(PurePath(file_name).stem, rows)


def _read_xlsx(content: bytes) -> list[_Sheet]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:
        raise file_error(
            f"无法打开该 Excel 文件（{type(exc).__name__}）：请确认文件未损坏、未加密，"
            "并另存为 .xlsx 后重新上传"
        ) from None
    sheets: list[_Sheet] = []
    try:
        for ws in book.worksheets:
            rows: list[list[_Cell]] = []
            for row in ws.iter_rows():
                rows.append(
                    [
                        _Cell(c.value, getattr(c, "number_format", "General") or "General")
                        for c in row
                    ]
                )
            sheets.append(_Sheet(ws.title, rows))
    finally:
        book.close()
    return sheets


def _read_xls(content: bytes) -> list[_Sheet]:
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(content))
        return [
            _Sheet(
                name, [[_Cell(v) for v in row] for row in book.get_sheet_by_name(name).to_python()]
            )
            for name in book.sheet_names
        ]
    except Exception as exc:
        raise file_error(
            f"无法读取该 .xls 文件（{type(exc).__name__}）：请用 Excel 另存为 .xlsx 后重新上传"
        ) from None


CONTROL_MESSAGE = (
    "含有看不见的控制字符（如单元格内换行、制表符）：请在 Excel 中删去这些字符，"
    "把名称写在一行后重新导入"
)


def has_control_characters(text: str) -> bool:
    """Line breaks, tabs and other control characters inside a name (edges are trimmed)."""
    return any(unicodedata.category(ch) == "Cc" for ch in text)


def visible_controls(text: str) -> str:
    """``text`` with each control character shown as an escape, for the problem table."""
    return "".join(
        f"\\x{ord(ch):02x}" if unicodedata.category(ch) == "Cc" else ch for ch in text
    )


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


def parse_registry(file_name: str, content: bytes) -> Registry:
    """Read and validate a registry workbook.  Never raises for content problems: check
    ``Registry.ok`` and ``Registry.problems``."""
    try:
        sheets = read_sheets(file_name, content)
    except RegistryError as exc:
        return Registry(_empty_frame(), list(exc.problems))
    for sheet in sheets:
        header = find_header(sheet.rows)
        if header is not None:
            return _validate(sheet, *header)
    names = "、".join(s.name for s in sheets) or "（无工作表）"
    wanted = "、".join(COLUMN_LABELS[k] for k in REQUIRED)
    return Registry(
        _empty_frame(),
        [
            RegistryProblem(
                "error",
                names,
                None,
                "",
                "",
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


def _validate(sheet: _Sheet, header_row: int, columns: dict[str, int]) -> Registry:
    problems: list[RegistryProblem] = []

    def add(
        row: int | None, key: str, value: str, message: str, severity: Severity = "error"
    ) -> None:
        label = COLUMN_LABELS.get(key, key)
        problems.append(RegistryProblem(severity, sheet.name, row, label, value, message))

    missing = [k for k in REQUIRED if k not in columns]
    for key in missing:
        add(
            header_row + 1,
            key,
            "",
            f"表头缺少“{COLUMN_LABELS[key]}”列：请在第 {header_row + 1} 行加上该列后重新上传",
        )
    if missing:
        return Registry(_empty_frame(), problems, sheet.name)

    rows = _collect_rows(sheet, header_row, columns, add)
    _check_duplicates(rows, add)
    by_code = {r.code: r for r in rows if r.code}
    levels = _check_tree(rows, by_code, add)

    frame = pd.DataFrame(
        {
            "code": [r.code for r in rows],
            "name": [r.name for r in rows],
            "parent_code": [r.parent or None for r in rows],
            "category": [r.category or r.category_raw for r in rows],
            "aliases": [ALIAS_SEPARATOR.join(r.aliases) for r in rows],
            "level": [levels.get(r.code, 0) for r in rows],
            "sort_order": list(range(len(rows))),
            "row": [r.excel_row for r in rows],
        }
    )
    problems.sort(key=lambda p: (p.severity != "error", p.row or 0))
    return Registry(
        frame.astype({"level": "int64", "sort_order": "int64", "row": "int64"}),
        problems,
        sheet.name,
    )


def _collect_rows(sheet: _Sheet, header_row: int, columns: dict[str, int], add: Any) -> list[_Row]:
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
        if not any((code, name, parent, category_raw, alias_text)):
            continue
        for key, value, warning in (
            ("code", code, code_warning),
            ("parent_code", parent, parent_warning),
        ):
            if warning:
                add(excel_row, key, value, warning, "warning")
        for key, value in (("code", code), ("name", name), ("parent_code", parent)):
            if has_control_characters(value):
                add(excel_row, key, visible_controls(value), CONTROL_MESSAGE)
        if has_control_characters(alias_text):
            add(excel_row, "aliases", visible_controls(alias_text), CONTROL_MESSAGE)
        if not code:
            add(excel_row, "code", "", "单位编码为空：请填写该单位的编码（每个单位唯一）")
        if not name:
            add(excel_row, "name", "", "单位名称为空：请填写该单位的全称")
        category = normalise_category(category_raw) if category_raw else None
        if not category_raw:
            add(excel_row, "category", "", f"类别为空：请填写以下之一：{'、'.join(CATEGORIES)}")
        elif category is None:
            add(
                excel_row,
                "category",
                category_raw,
                f"类别“{category_raw}”无法识别：请改为以下之一：{'、'.join(CATEGORIES)}",
            )
        rows.append(
            _Row(excel_row, code, name, parent, category_raw, category, split_aliases(alias_text))
        )
    if not rows:
        add(header_row + 1, "code", "", "表头下没有任何单位：请在表头下方逐行填写单位")
    return rows


def _check_duplicates(rows: list[_Row], add: Any) -> None:
    first_row: dict[str, int] = {}
    for row in rows:
        if not row.code:
            continue
        if row.code in first_row:
            add(
                row.excel_row,
                "code",
                row.code,
                f"单位编码“{row.code}”与第 {first_row[row.code]} 行重复：每个单位的编码必须唯一，"
                "请修改其中一个",
            )
        else:
            first_row[row.code] = row.excel_row


def _check_tree(rows: list[_Row], by_code: dict[str, _Row], add: Any) -> dict[str, int]:
    """Check parents, roots and cycles; return code -> level for units reachable from the root."""
    roots = [r for r in rows if r.code and not r.parent]
    for row in rows:
        if not row.code or not row.parent:
            continue
        if row.parent == row.code:
            add(
                row.excel_row,
                "parent_code",
                row.parent,
                "上级单位编码是本单位自己：请填写其真正的上级单位编码",
            )
        elif row.parent not in by_code:
            add(
                row.excel_row,
                "parent_code",
                row.parent,
                f"上级单位编码“{row.parent}”在名册中不存在：请核对编码，或先在名册中添加该上级单位",
            )
    if not roots and rows:
        add(
            None,
            "parent_code",
            "",
            "名册中没有根单位（上级单位编码为空的单位）：请把最高一级单位（如市委）的上级单位编码留空",
        )
    if len(roots) > 1:
        listed = "、".join(f"第 {r.excel_row} 行“{r.name or r.code}”" for r in roots[:10])
        for root in roots[1:]:
            add(
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


def _report_cycles(rows: list[_Row], by_code: dict[str, _Row], add: Any) -> None:
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
            "level": int(record["level"]),
            "sort_order": int(record["sort_order"]),
        }


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


def category_counts(units: pd.DataFrame) -> pd.DataFrame:
    """Units per category in catalogue order (类别, 单位数)."""
    counts = units["category"].value_counts()
    order = [c for c in CATEGORIES if c in counts.index] + [
        c for c in counts.index if c not in CATEGORIES
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
    if "retired" in units.columns:
        table["状态"] = ["已撤销" if r else "在册" for r in units["retired"].astype(bool)]
    return table.reset_index(drop=True)
