"""Campaign settings as data: each has a key, a Chinese label, a type, a default and help.

Stored values live in the ``settings`` table (see ``dashboard.store.repo``); this module
only says which settings exist and how to read a value typed by a user.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from dashboard.core.catalogue import READING_CLASSES

__all__ = [
    "ACCESS",
    "BRIEFING",
    "CAMPAIGN",
    "DATA_SETTINGS",
    "DEFAULT_CATEGORIES",
    "ENTRY",
    "HEAT",
    "LAGGING",
    "REMIND",
    "SESSION_IDLE_MINUTES",
    "SESSION_MAX_HOURS",
    "SETTINGS",
    "Kind",
    "Setting",
    "SettingError",
    "Settings",
    "check_value",
    "defaults",
    "level_name",
    "level_names_for",
    "missing_level_names",
    "option_label",
    "parse_value",
    "problems",
    "setting",
]

# The categories an office starts with; the list in force is the ``categories`` setting.
DEFAULT_CATEGORIES: tuple[str, ...] = (
    "党政机关",
    "乡镇（街道）",
    "村（社区）",
    "学校",
    "医院",
    "国有企业",
    "两新组织",
)

Kind = Literal[
    "text",  # one line of text
    "date",  # YYYY-MM-DD
    "optional_date",  # YYYY-MM-DD or "" (not set)
    "int",  # a whole number
    "float",  # a number
    "weekday",  # 1 = 周一 … 7 = 周日
    "share",  # a fraction 0–1, shown as a percentage
    "score",  # 0–100 on the heat scale
    "list",  # a list of texts, in order
    "choices",  # some of ``options`` (codes), in the options' order
    "choice",  # exactly one of ``options`` (its code)
    "weights",  # a weight 0–1 for each of ``options`` (code -> weight)
    "targets",  # level name -> indicator code -> target (the page: levels × indicators)
    "json",  # anything else (the page shows a table for a flat mapping)
    "secret",  # a password or signing secret: never shown back, never printed
]


@dataclass(frozen=True)
class Setting:
    """One setting.  The 设置 page draws a widget from ``kind`` (and ``options``), so a new
    entry here appears on the page without touching it; ``group`` heads its part of the form."""

    key: str
    label: str
    kind: Kind
    default: Any
    help: str
    options: tuple[tuple[str, str], ...] = ()  # (code, Chinese label) for choices/weights
    group: str = "其他设置"


CAMPAIGN = "活动"
BRIEFING = "简报"
LAGGING = "落后单位判定"
HEAT = "热度与层级传导"
ENTRY = "在线填报"
ACCESS = "登录与会话"
REMIND = "催报"

SETTINGS: tuple[Setting, ...] = (
    Setting(
        "campaign_name",
        "活动名称",
        "text",
        "学习贯彻习近平新时代中国特色社会主义思想主题教育",
        "看板与简报中显示的主题教育名称",
        group=CAMPAIGN,
    ),
    Setting(
        "city_name",
        "地区名称",
        "text",
        "",
        "名册根单位的简称，空则取名册根单位名称",
        group=CAMPAIGN,
    ),
    Setting(
        "start_date",
        "开始日期",
        "date",
        "2023-09-01",
        "主题教育开始日期，累计数从此日起算",
        group=CAMPAIGN,
    ),
    Setting(
        "end_date",
        "结束日期",
        "date",
        "2024-01-31",
        "主题教育结束日期，用于判断能否按期完成",
        group=CAMPAIGN,
    ),
    Setting(
        "report_weekday",
        "报送日（周几）",
        "weekday",
        5,
        "每周统计截止日；任一日期归入其后最近的报送日",
        group=CAMPAIGN,
    ),
    Setting(
        "level_names",
        "层级名称",
        "list",
        ["市级", "县级", "乡镇级", "村级"],
        "从上到下依次为第 1 级（根单位）、第 2 级……的名称，可设 3–6 个或更多；"
        "名册层级多于名称时显示为“第N级”，“单位名册”页会提示补齐",
        group=CAMPAIGN,
    ),
    Setting(
        "office_name",
        "发文单位",
        "text",
        "主题教育领导小组办公室",
        "简报落款与页眉",
        group=BRIEFING,
    ),
    Setting(
        "briefing_issue",
        "简报期号",
        "int",
        1,
        "最近一期简报的期号；下载或导出更晚一周的简报时自动加 1",
        group=BRIEFING,
    ),
    Setting(
        "briefing_issue_date",
        "简报期号所属周",
        "optional_date",
        "",
        "最近一期简报的统计截止日，下载或导出简报时自动记下；不填则不自动加 1",
        group=BRIEFING,
    ),
    Setting(
        "stall_weeks",
        "停滞周数",
        "int",
        2,
        "连续多少周各项累计数均未增长即视为停滞",
        group=LAGGING,
    ),
    Setting(
        "lag_spread",
        "落后判定倍数",
        "float",
        2.0,
        "销号率、按期完成等比率低于同组中位数超过该倍数的离散度（稳健标准差）即列为落后原因；"
        "数值越大，列入的单位越少",
        group=LAGGING,
    ),
    Setting(
        "bottom_share",
        "排名末位比例",
        "share",
        0.05,
        "同组热度排名最后该比例的单位列为落后",
        group=LAGGING,
    ),
    Setting(
        "lagging_focus",
        "重点督导单位数",
        "int",
        30,
        "落后单位页默认只列出严重程度最高的这么多个单位（可切换为显示全部）",
        group=LAGGING,
    ),
    Setting(
        "gradient_effect",
        "层级落差倍数",
        "float",
        1.0,
        "两个层级平均热度之差超过这两级单位热度离散度（标准差）的该倍数，且超出偶然波动，"
        "才视为逐级递减",
        group=HEAT,
    ),
    Setting(
        "gradient_min_units",
        "层级判定最少单位数",
        "int",
        3,
        "系统内某层级单位少于此数时，其平均热度偶然性大，不参与上热下冷判定（牵头单位本身除外）",
        group=HEAT,
    ),
    Setting(
        "rank_green",
        "绿色阈值（热度）",
        "score",
        60.0,
        "热度不低于此值显示为绿色",
        group=HEAT,
    ),
    Setting(
        "rank_yellow",
        "黄色阈值（热度）",
        "score",
        40.0,
        "热度不低于此值显示为黄色，否则红色",
        group=HEAT,
    ),
    Setting(
        "heat_weights",
        "热度指数权重",
        "weights",
        {"study": 0.3, "survey": 0.25, "rectify": 0.3, "activity": 0.15, "targets": 0.2},
        "各分量的权重；计算时按各项权重占合计的比例加权，未设任务清单时任务完成不计，"
        "其余权重按比例放大",
        options=(
            ("study", "理论学习"),
            ("survey", "调查研究"),
            ("rectify", "检视整改"),
            ("activity", "活跃度"),
            ("targets", "任务完成"),
        ),
        group=HEAT,
    ),
    Setting(
        "level_targets",
        "任务清单（各层级目标）",
        "targets",
        {},
        "各层级到结束日期应达到的累计数：每行一个层级，每列一项指标，不设目标的格子留空；"
        "按已过时间比例折算计入热度的“任务完成”分量",
        group=HEAT,
    ),
    Setting(
        "briefing_sections",
        "简报包含部分",
        "choices",
        ["coverage", "totals", "gradient", "lagging", "charts"],
        "勾选简报中要写入的部分",
        options=(
            ("coverage", "报送情况"),
            ("totals", "主要指标"),
            ("gradient", "层级传导"),
            ("lagging", "落后单位"),
            ("charts", "图表"),
        ),
        group=BRIEFING,
    ),
    Setting(
        "briefing_report_to",
        "简报版记“报”",
        "list",
        ["市委主题教育领导小组组长、副组长"],
        "简报末页版记中“报：”后的上级领导或机关，多个用逗号分隔；留空则不印此行",
    ),
    Setting(
        "briefing_copy_to",
        "简报版记“送”",
        "list",
        ["市委主题教育领导小组成员"],
        "版记中“送：”后的同级机关或领导，多个用逗号分隔；留空则不印此行",
    ),
    Setting(
        "briefing_send_to",
        "简报版记“发”",
        "list",
        ["各县（市、区）主题教育领导小组办公室", "市直各单位"],
        "版记中“发：”后的下级单位，多个用逗号分隔；留空则不印此行",
    ),
    Setting(
        "briefing_printer",
        "简报印发机关",
        "text",
        "",
        "版记末行“××× ××××年×月×日印发”中的印发机关；留空则用“发文单位”",
    ),
    Setting(
        "briefing_font_title",
        "简报标题字体",
        "text",
        "方正小标宋简体",
        "写入 Word 与幻灯片的标题字体名，办公电脑装有该字体即按其显示（本机预览和图表图片用 Noto CJK）",
        group=BRIEFING,
    ),
    Setting(
        "briefing_font_body",
        "简报正文字体",
        "text",
        "仿宋_GB2312",
        "写入 Word 与幻灯片的正文字体名（公文正文为仿宋三号），办公电脑装有该字体即按其显示",
        group=BRIEFING,
    ),
    Setting(
        "fill_deadline_weekday",
        "填报截止日（周几）",
        "weekday",
        5,
        "每周填报任务的截止日：报送日当天或其后最近的这一天（北京时间）",
        group=ENTRY,
    ),
    Setting(
        "fill_deadline_hour",
        "填报截止时刻（时）",
        "int",
        17,
        "截止日的几点整截止（0–23，北京时间）",
        group=ENTRY,
    ),
    Setting(
        "fill_open_days",
        "提前开放天数",
        "int",
        3,
        "填报任务在截止日前几天的 0 点开放填写",
        group=ENTRY,
    ),
    Setting(
        "fill_auto",
        "自动创建填报任务",
        "choices",
        ["auto"],
        "勾选后每周按报送日自动创建填报任务（打开填报或审核页面时创建）",
        options=(("auto", "按报送日每周自动创建"),),
        group=ENTRY,
    ),
    Setting(
        "fill_allow_late",
        "允许逾期补报",
        "choices",
        ["allow"],
        "勾选后截止后仍可提交，记为“逾期补报”；不勾选则截止后不能再提交",
        options=(("allow", "截止后仍可提交（记为逾期补报）"),),
        group=ENTRY,
    ),
    Setting(
        "fill_late_change",
        "截止后修改已提交数据",
        "choice",
        "approve",
        "截止后修改已提交的数据：需办公室批准后生效，或直接生效并记为“逾期修改”",
        options=(("approve", "需办公室批准"), ("record", "记为逾期修改")),
        group=ENTRY,
    ),
    Setting(
        "session_idle_minutes",
        "登录空闲超时（分钟）",
        "int",
        120,
        "登录后连续这么多分钟没有操作，须重新登录（5–1440 分钟）；保存后约半分钟内对所有会话生效",
        group=ACCESS,
    ),
    Setting(
        "session_max_hours",
        "登录最长有效期（小时）",
        "int",
        12,
        "从登录起算，无论是否有操作，满这么多小时须重新登录（1–168 小时）",
        group=ACCESS,
    ),
    Setting(
        "board_url",
        "看板网址",
        "text",
        "",
        "催报消息中附上的看板地址（如 https://kanban.example.gov.cn），单位点开即可填报；留空则消息不带链接",
        group=REMIND,
    ),
    Setting(
        "remind_channels",
        "催报渠道",
        "choices",
        ["notice"],
        "一键催报和自动催报经由哪些渠道发出；群机器人与邮件还需填写下面的地址",
        options=(
            ("notice", "站内通知"),
            ("wecom", "企业微信群机器人"),
            ("dingtalk", "钉钉群机器人"),
            ("email", "电子邮件"),
        ),
        group=REMIND,
    ),
    Setting(
        "remind_auto",
        "自动催报",
        "choices",
        [],
        "勾选后按下面的时间经所选渠道自动催报（看板每分钟检查一次；也可由服务器的定时任务"
        "运行催报命令，见说明文档）",
        options=(("auto", "按自动催报时间发送"),),
        group=REMIND,
    ),
    Setting(
        "remind_times",
        "自动催报时间",
        "list",
        ["截止前1天 10:00", "逾期每天 09:00"],
        "每行一条，如“截止前1天 10:00”“截止当天 09:00”“逾期每天 09:00”（逾期最多连续 7 天）；"
        "清空则不自动催报",
        group=REMIND,
    ),
    Setting(
        "remind_timezone",
        "催报时区",
        "text",
        "Asia/Shanghai",
        "自动催报时间与截止时间按此时区理解，如 Asia/Shanghai（北京时间）",
        group=REMIND,
    ),
    Setting(
        "remind_wecom_url",
        "企业微信机器人地址",
        "text",
        "",
        "企业微信群机器人的 Webhook 地址（政务网络可为本单位自建的地址）",
        group=REMIND,
    ),
    Setting(
        "remind_dingtalk_url",
        "钉钉机器人地址",
        "text",
        "",
        "钉钉群自定义机器人的 Webhook 地址（含访问令牌）",
        group=REMIND,
    ),
    Setting(
        "remind_dingtalk_secret",
        "钉钉加签密钥",
        "secret",
        "",
        "机器人安全设置中“加签”的密钥（以 SEC 开头）；也可放在服务器的环境变量或密钥文件中"
        "（优先于此处，见说明文档）",
        group=REMIND,
    ),
    Setting(
        "remind_smtp_host",
        "邮件服务器",
        "text",
        "",
        "SMTP 服务器地址；留空则不能发邮件",
        group=REMIND,
    ),
    Setting(
        "remind_smtp_port",
        "邮件服务器端口",
        "int",
        465,
        "SSL 通常为 465，STARTTLS 通常为 587",
        group=REMIND,
    ),
    Setting(
        "remind_smtp_security",
        "邮件加密方式",
        "choice",
        "ssl",
        "与邮件服务器的连接方式",
        options=(("ssl", "SSL"), ("starttls", "STARTTLS"), ("none", "不加密（仅限内网）")),
        group=REMIND,
    ),
    Setting(
        "remind_smtp_user",
        "邮件登录用户名",
        "text",
        "",
        "留空则不登录（内网中继）",
        group=REMIND,
    ),
    Setting(
        "remind_smtp_password",
        "邮件登录密码",
        "secret",
        "",
        "也可放在服务器的环境变量或密钥文件中（优先于此处，见说明文档）",
        group=REMIND,
    ),
    Setting(
        "remind_smtp_sender",
        "发件人地址",
        "text",
        "",
        "催报邮件的发件人（办公室的邮箱地址）",
        group=REMIND,
    ),
    Setting(
        "remind_robot_per_minute",
        "机器人每分钟最多发送条数",
        "int",
        20,
        "企业微信、钉钉群机器人每分钟约限 20 条；超过时自动放慢，等到可以再发（1–60）",
        group=REMIND,
    ),
    Setting(
        "remind_timeout",
        "发送超时（秒）",
        "int",
        10,
        "每次发送最多等待的秒数，超时记为发送失败",
        group=REMIND,
    ),
)

# Settings that are the office's data rather than campaign options: stored like the others,
# edited by their own editor (单位类别 on 设置, by dashboard.ui.categories; 表头写法对照 by
# dashboard.ui.wordings), not by the form.
DATA_SETTINGS: tuple[Setting, ...] = (
    Setting(
        "categories",
        "单位类别",
        "list",
        list(DEFAULT_CATEGORIES),
        "名册“类别”列可用的类别及其显示顺序；在“设置”页的“单位类别”中增加、改名、合并或调整顺序",
    ),
    Setting(
        "column_wordings",
        "表头写法对照",
        "json",
        {},
        "上传时指定过的表头写法及其对应指标（空表示该列不读取）；以后上传的周报按此识别。"
        "在“设置”页的“表头写法对照”表中修改",
    ),
)

_BY_KEY = {s.key: s for s in (*SETTINGS, *DATA_SETTINGS)}


class SettingError(ValueError):
    """A setting key or value a user typed that cannot be used (message in Chinese)."""


def setting(key: str) -> Setting:
    try:
        return _BY_KEY[key]
    except KeyError:
        names = "、".join(_BY_KEY)
        raise SettingError(f"没有名为“{key}”的设置项。可用的设置项：{names}") from None


def defaults() -> dict[str, Any]:
    return {s.key: s.default for s in (*SETTINGS, *DATA_SETTINGS)}


class Settings(Mapping[str, Any]):
    """The campaign's settings as one frozen, typed object, built once from the stored values
    (``repo.get_settings``) or any mapping: every declared key is present, the stored value
    over its default, and the defaults come from the declarations above and nowhere else.

    It is a read-only mapping (the stored keys and values, unchanged) with typed attributes
    for what the judgments compute with; ``Settings.of`` returns a Settings as it is."""

    __slots__ = ("_values",)

    def __init__(self, stored: Mapping[str, Any] | None = None) -> None:
        values = defaults()
        values.update({k: v for k, v in (stored or {}).items() if v is not None})
        self._values: dict[str, Any] = values

    @classmethod
    def of(cls, values: Mapping[str, Any] | None) -> Settings:
        return values if isinstance(values, Settings) else cls(values)

    def __getitem__(self, key: str) -> Any:
        return self._values[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"Settings({self._values!r})"

    def _float(self, key: str, low: float | None = None) -> float:
        try:
            value = float(self._values[key])
        except (TypeError, ValueError):
            value = float(setting(key).default)
        return value if low is None else max(value, low)

    def _int(self, key: str) -> int:
        try:
            return int(self._values[key])
        except (TypeError, ValueError):
            return int(setting(key).default)

    @property
    def start_date(self) -> dt.date:
        return dt.date.fromisoformat(str(self._values["start_date"])[:10])

    @property
    def end_date(self) -> dt.date:
        return dt.date.fromisoformat(str(self._values["end_date"])[:10])

    @property
    def report_weekday(self) -> int:
        return self._int("report_weekday")

    @property
    def stall_weeks(self) -> int:
        return self._int("stall_weeks")

    @property
    def bottom_share(self) -> float:
        return self._float("bottom_share")

    @property
    def lag_spread(self) -> float:
        return self._float("lag_spread", 0.0)

    @property
    def rank_green(self) -> float:
        return self._float("rank_green")

    @property
    def rank_yellow(self) -> float:
        return self._float("rank_yellow")

    @property
    def lagging_focus(self) -> int:
        return self._int("lagging_focus")

    @property
    def gradient_effect(self) -> float:
        return self._float("gradient_effect", 0.0)

    @property
    def gradient_min_units(self) -> int:
        return self._int("gradient_min_units")


def parse_value(key: str, text: str) -> Any:
    """Turn the text a user typed for ``key`` into its typed value, or raise SettingError."""
    item = setting(key)
    raw = text.strip()
    try:
        if item.kind in ("text", "secret"):
            return raw
        if item.kind == "optional_date":
            return dt.date.fromisoformat(raw).isoformat() if raw else ""
        if item.kind == "date":
            return dt.date.fromisoformat(raw).isoformat()
        if item.kind in ("int", "weekday"):
            value = int(raw)
            if item.kind == "weekday" and not 1 <= value <= 7:
                raise ValueError
            return value
        if item.kind == "float":
            return float(raw)
        if item.kind == "share":
            value_f = float(raw[:-1]) / 100 if raw.endswith("%") else float(raw)
            if not 0 <= value_f <= 1:
                raise ValueError
            return value_f
        if item.kind == "score":
            value_f = float(raw)
            if not 0 <= value_f <= 100:
                raise ValueError
            return value_f
        if item.kind == "list":
            parts = _split(raw)
            if key in _DISTINCT_LISTS and len(set(parts)) < len(parts):
                raise SettingError(f"“{item.label}”有重复项：{_DISTINCT_LISTS[key]}")
            return parts
        if item.kind == "choices":
            return check_value(key, [_option_code(item, part) for part in _split(raw)])
        if item.kind == "choice":
            return _option_code(item, raw)
        if item.kind == "weights":
            parsed = json.loads(raw) if raw.startswith("{") else _pairs(raw)
            if not isinstance(parsed, dict):
                raise ValueError
            weights = {_option_code(item, str(k)): float(v) for k, v in parsed.items()}
            return check_value(key, weights)
        return json.loads(raw)
    except SettingError:
        raise
    except (ValueError, TypeError, json.JSONDecodeError):
        raise SettingError(f"“{item.label}”的值“{text}”无法识别，应为{_kind_hint(item)}") from None


def check_value(key: str, value: Any) -> Any:
    """A typed value for ``key`` checked against its options (choices, weights); returns it
    in the declared order, or raises ValueError."""
    item = setting(key)
    codes = [code for code, _label in item.options]
    if item.kind == "choices":
        chosen = set(value)
        if not chosen <= set(codes):
            raise ValueError
        return [code for code in codes if code in chosen]
    if item.kind == "weights":
        if set(value) - set(codes) or any(float(w) < 0 for w in value.values()):
            raise ValueError
        return {code: float(value.get(code, 0.0)) for code in codes}
    if item.kind == "choice" and value not in codes:
        raise ValueError
    return value


def problems(values: dict[str, Any]) -> list[str]:
    """What is wrong across settings (each a Chinese sentence saying what to change)."""
    found: list[str] = []
    if str(values.get("end_date", "")) < str(values.get("start_date", "")):
        found.append("结束日期早于开始日期：请调整其中之一")
    typed = Settings.of(values)
    if typed.rank_green < typed.rank_yellow:
        found.append("绿色阈值低于黄色阈值：绿色阈值应不低于黄色阈值")
    weights = values.get("heat_weights")
    if isinstance(weights, dict) and sum(float(w) for w in weights.values()) <= 0:
        found.append("热度指数权重全部为 0：请至少给一项分量设置大于 0 的权重")
    found += _session_problems(values)
    if not values.get("level_names", ["-"]):
        found.append("层级名称为空：请至少填写第 1 级的名称")
    for key, message in _DISTINCT_LISTS.items():
        items = values.get(key)
        if isinstance(items, list) and len(set(items)) < len(items):
            found.append(f"“{setting(key).label}”有重复项：{message}")
    return found + _remind_problems(values)


def _remind_problems(values: dict[str, Any]) -> list[str]:
    """催报: readable rules and time zone, web addresses that are addresses."""
    from dashboard.core import remind_rules

    found = remind_rules.problems(values.get("remind_times"))
    try:
        remind_rules.zone(str(values.get("remind_timezone") or ""))
    except remind_rules.RuleError as exc:
        found.append(str(exc))
    pace = values.get("remind_robot_per_minute", 20)
    if not isinstance(pace, int) or not 1 <= pace <= ROBOT_PER_MINUTE_MAX:
        found.append(f"“{setting('remind_robot_per_minute').label}”应为 1–60 之间的整数：{pace}")
    for key in ("board_url", "remind_wecom_url", "remind_dingtalk_url"):
        url = str(values.get(key) or "").strip()
        if url and not re.match(r"^https?://[^\s/]+", url):
            found.append(f"“{setting(key).label}”应以 http:// 或 https:// 开头：{url}")
    return found


ROBOT_PER_MINUTE_MAX = 60
SESSION_IDLE_MINUTES = (5, 24 * 60)
SESSION_MAX_HOURS = (1, 7 * 24)


def _session_problems(values: dict[str, Any]) -> list[str]:
    idle = int(values.get("session_idle_minutes", 120))
    longest = int(values.get("session_max_hours", 12))
    found: list[str] = []
    if not SESSION_IDLE_MINUTES[0] <= idle <= SESSION_IDLE_MINUTES[1]:
        found.append("登录空闲超时应在 5 到 1440 分钟之间")
    if not SESSION_MAX_HOURS[0] <= longest <= SESSION_MAX_HOURS[1]:
        found.append("登录最长有效期应在 1 到 168 小时之间")
    elif idle > longest * 60:
        found.append("登录空闲超时不应长于登录最长有效期：请缩短空闲超时或延长最长有效期")
    return found


# Lists whose items must differ: a level name names one depth (peer pools are per level),
# a category one group of units.
_DISTINCT_LISTS: dict[str, str] = {
    "level_names": "每一级的名称应各不相同，请修改重复的名称",
    "categories": "每个类别只能出现一次；要把两个类别并为一个，请在“设置”页用“合并”",
}


def option_label(key: str, code: str) -> str:
    """The Chinese label of one of a setting's options (the code when it has none)."""
    return dict(setting(key).options).get(code, code)


def _split(raw: str) -> list[str]:
    return [part.strip() for part in re.split(r"[,，、;；\n]", raw) if part.strip()]


def _pairs(raw: str) -> dict[str, str]:
    """``理论学习=0.3，调查研究=0.25`` (or ``study:0.3``) as a mapping."""
    out: dict[str, str] = {}
    for part in _split(raw):
        name, sep, number = part.replace("：", ":").replace(":", "=").partition("=")
        if not sep:
            raise ValueError
        out[name.strip()] = number.strip()
    return out


def _option_code(item: Setting, text: str) -> str:
    """An option's code from its code or its Chinese label."""
    for code, label in item.options:
        if text in (code, label):
            return code
    raise ValueError


def _kind_hint(item: Setting) -> str:
    if item.options:
        names = "、".join(label for _code, label in item.options)
        if item.kind == "choices":
            return f"用逗号分隔的若干项，可选：{names}"
        if item.kind == "choice":
            return f"其中一项：{names}"
        return f"“名称=权重”用逗号分隔，名称为：{names}（权重不小于 0）"
    return _KIND_HINT[item.kind]


_KIND_HINT: dict[str, str] = {
    "text": "文字",
    "date": "日期，格式 YYYY-MM-DD",
    "optional_date": "空，或日期（格式 YYYY-MM-DD）",
    "int": "整数",
    "float": "数字",
    "weekday": "1–7 的整数（1=周一 … 7=周日）",
    "share": "0–1 之间的比例，或百分数（如 50%）",
    "score": "0–100 之间的分数",
    "list": "用逗号分隔的若干项",
    "choices": "用逗号分隔的若干项",
    "choice": "其中一项",
    "weights": "“名称=权重”，用逗号分隔",
    "targets": f'JSON 格式，如 {{"村级": {{"{READING_CLASSES}": 1}}}}',
    "json": "JSON 格式",
    "secret": "文字",
}


def level_name(level: int, names: list[str]) -> str:
    """The display name of a depth level (1 = root)."""
    if 1 <= level <= len(names):
        return names[level - 1]
    return f"第{level}级"


def level_names_for(depth: int, names: list[str]) -> list[str]:
    """One name per level down to ``depth``: the configured names, then 第N级 for the rest."""
    return [level_name(level, names) for level in range(1, max(depth, len(names)) + 1)]


def missing_level_names(depth: int, names: list[str]) -> list[int]:
    """The levels (1-based) a registry of ``depth`` levels has but ``names`` does not name."""
    return list(range(len(names) + 1, depth + 1))
