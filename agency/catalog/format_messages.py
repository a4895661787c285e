"""The catalog's problems in Chinese: what an admin reads when an import is refused.

msgspec and PyYAML explain a bad value in English ("Expected `int` >= 1", "mapping values are not allowed
here"); the admin of a county office reads Chinese, so each known message is said again in Chinese here,
with the allowed values where the field has a fixed set. An unknown message falls back to a Chinese sentence
rather than leak the English.
"""

from __future__ import annotations

import re
import types
from collections.abc import Mapping
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import yaml

from agency.catalog.format_model import KIND_NAMES, STAGE_NAMES

TYPE_NAMES: Mapping[str, str] = {
    "int": "整数", "float": "数字", "str": "文本", "bool": "布尔值（true 或 false）", "null": "空值（null）",
    "object": "映射（键: 值）", "array": "列表", "date": "日期", "datetime": "日期时间",
}
# What an enumeration value means, shown next to the allowed values.
VALUE_NAMES: Mapping[str, str] = {
    **STAGE_NAMES, **KIND_NAMES,
    "online": "线上办理", "offline": "线下办理", "external": "省工改系统办理", "authority": "行政机关",
    "utility": "公用事业单位", "workday": "工作日", "calendar_day": "自然日", "month": "月",
    "original": "原件", "copy": "复印件", "original_and_copy": "原件及复印件",
    "fixed": "固定金额", "piece": "按件", "m2": "按平方米", "mu": "按亩",
}
# The patterns of format_model, said as a rule a person can follow.
PATTERNS: tuple[tuple[str, str], ...] = (
    ("^[a-z][a-z0-9_-]{0,63}$",
     "须为代码：小写英文字母开头，只含小写字母、数字、下划线和连字符，至多 64 个字符，如 sgxk"),
    ("^[a-z][a-z0-9_-]*(/[a-z0-9][a-z0-9_-]*)*$", "须为模板代码，如 application_form/sgxk"),
    ("^\\+?[0-9][0-9 -]{2,24}$", "须为电话号码：数字，可含开头的 +、空格和连字符"),
    ("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", "须为电子邮箱地址"),
    ("^[0-9]{4}\\.[0-9]+$", "须为“年份.序号”格式的版本号，如 \"2026.1\""),
    ("^[0-9]{1,9}(\\.[0-9]{1,2})?$", "须为以元计的金额文本，至多两位小数，如 \"550.00\""),
    ("^[a-z][a-z0-9_]{0,31}$", "须为外部系统代码：小写英文字母开头，只含小写字母、数字和下划线"),
)
QUOTE_HINT = "（请在 YAML 中给该值加引号）"

_AT_PATH = re.compile(r"^(?P<message>.*) - at `\$(?P<path>.*)`$", re.DOTALL)
_GOT = re.compile(r"^Expected `(?P<want>[^`]+)`, got `(?P<got>[^`]+)`$")
_BOUND = re.compile(r"^Expected `(?P<type>int|float)` (?P<op>>=|<=|>|<) (?P<n>[-0-9.]+)$")
_LENGTH = re.compile(r"^Expected `(?P<type>str|array|object)` of length (?P<op>>=|<=) (?P<n>\d+)$")
_REGEX = re.compile(r"^Expected `str` matching regex '(?P<pattern>.*)'$", re.DOTALL)
_ENUM = re.compile(r"^Invalid enum value (?P<value>.*)$")
_OPS = {">=": "不小于", "<=": "不大于", ">": "大于", "<": "小于"}
_SYNTAX: tuple[tuple[str, str], ...] = (
    ("mapping values are not allowed here", "此处不能出现“键: 值”，请检查缩进，或给含冒号的文本加引号"),
    ("found character '\\t' that cannot start any token", "不能用制表符缩进，请改用空格"),
    ("could not find expected ':'", "缺少冒号，请检查这一行的“键: 值”"),
    ("found undefined alias", "引用了未定义的锚点（*名称）"),
    ("expected <block end>", "缩进不一致，请对齐同一层的键"),
    ("found unexpected end of stream", "文件意外结束：引号或括号没有闭合"),
    ("expected ',' or ']'", "方括号 [ ] 没有正确闭合，或元素之间缺少逗号"),
    ("expected ',' or '}'", "花括号 { } 没有正确闭合，或元素之间缺少逗号"),
    ("but found another document", "只能包含一个 YAML 文档（发现了多余的 ---）"),
    ("special characters are not allowed", "含有不允许的控制字符"),
    ("found duplicate anchor", "锚点（&名称）重复定义"),
    ("while scanning a quoted scalar", "引号没有闭合"),
)


def type_name(name: str) -> str:
    return " 或 ".join(TYPE_NAMES.get(part.strip(), part.strip()) for part in name.split("|"))


def describe(value: Any) -> str:
    """A YAML value as the admin wrote it, in words: 列表, 映射, 文本 "abc", 整数 3."""
    if value is None:
        return "空值（null）"
    if isinstance(value, bool):
        return f"布尔值 {str(value).lower()}"
    if isinstance(value, dict):
        return "映射（键: 值）"
    if isinstance(value, list):
        return "列表"
    kind = {"str": "文本", "int": "整数", "float": "数字", "date": "日期", "datetime": "日期时间"}
    return f"{kind.get(type(value).__name__, '值')} {value!r}" if not isinstance(value, str) else f"文本 “{value}”"


def choices(tp: Any) -> list[str]:
    """The values a Literal field (or a list or optional of one) allows; empty for any other type."""
    origin = get_origin(tp)
    if origin is Literal:
        return [str(a) for a in get_args(tp)]
    if origin is Annotated:
        return choices(get_args(tp)[0])
    if origin in (list, Union, types.UnionType):
        return [c for arg in get_args(tp) for c in choices(arg)]
    return []


def split_path(message: str) -> tuple[str, list[str | int]]:
    """msgspec's "… - at `$[1].unit`" → the message and the path below the converted value."""
    match = _AT_PATH.match(message)
    if not match:
        return message, []
    parts: list[str | int] = []
    for key, index in re.findall(r"\.([^.\[]+)|\[(\d+)\]", match["path"]):
        parts.append(int(index) if index else key)
    return match["message"], parts


def leaf_message(message: str, allowed: list[str]) -> str:
    """One msgspec validation message in Chinese."""
    if found := _GOT.match(message):
        text = f"应为{type_name(found['want'])}，实为{type_name(found['got'])}"
        if found["want"].startswith("str") and found["got"] in ("int", "float", "date", "datetime", "bool"):
            # YAML reads 2026.1 as a number and 2026-01-01 as a date; the fix is quoting, say so.
            text += QUOTE_HINT
        return text
    if found := _BOUND.match(message):
        noun = "整数" if found["type"] == "int" else "数"
        return f"须为{_OPS[found['op']]} {found['n']} 的{noun}"
    if found := _LENGTH.match(message):
        n = int(found["n"])
        if found["type"] == "str":
            return "不能为空" if found["op"] == ">=" and n == 1 else f"长度须{_OPS[found['op']]} {n} 个字符"
        return "至少须有一项" if found["op"] == ">=" and n == 1 else f"项数须{_OPS[found['op']]} {n}"
    if found := _REGEX.match(message):
        shown = found["pattern"].replace("\\\\", "\\")  # msgspec doubles the backslashes of the pattern
        return next((rule for pattern, rule in PATTERNS if pattern == shown), "格式不符合要求")
    if found := _ENUM.match(message):
        options = "、".join(f"{c}（{VALUE_NAMES[c]}）" if c in VALUE_NAMES else c for c in allowed)
        return f"不是可选的值 {found['value']}" + (f"；可选：{options}" if options else "")
    if message.startswith("Invalid RFC3339 encoded date"):
        return "须为“年-月-日”格式的日期，如 2026-01-01"
    return "取值不符合要求"


def syntax_message(exc: yaml.YAMLError) -> str:
    text = " ".join(str(part) for part in (getattr(exc, "context", None), getattr(exc, "problem", None)) if part)
    text = text or str(exc)
    return next((zh for english, zh in _SYNTAX if english in text), "无法读取，请检查这一行的缩进、冒号、引号和括号")
