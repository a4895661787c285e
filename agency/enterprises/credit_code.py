"""统一社会信用代码 (unified social credit identifier), GB 32100-2015.

Eighteen characters from a 31-character set (digits and capitals without I, O, Z, S, V):

====== ===================================================================================
 1      登记管理部门代码 — the registration authority (9 = market regulation, 工商)
 2      机构类别代码 — the kind of organisation under that authority (91 = enterprise)
 3–8    登记管理机关行政区划码 — GB/T 2260 region code of the registration office, digits
 9–17   主体标识码 — the GB 11714 organisation code: 8 characters and its own check character
 18     校验码 — check character over positions 1–17
====== ===================================================================================

The check character: each of the first 17 characters has the value of its position in the
character set (0–9 → 0–9, A → 10 … Y → 30); with weights 3^(i-1) mod 31 the check value is
``31 − (Σ value × weight mod 31)``, where 31 becomes 0. Because 31 is prime and no weight is 0,
any single wrong character changes the sum and is caught.

The organisation code (GB 11714-1997) uses its own scheme: values 0–9 and A=10 … Z=35 (plain
alphabet positions), weights 3 7 9 10 5 8 4 2, check = ``11 − (Σ mod 11)`` with 10 → ``X`` and
11 → ``0``. GB 32100 takes positions 9–17 from it unchanged, so both checks must hold.

The table of authorities and kinds is the one published by the national organisation code centre
(全国组织机构统一社会信用代码数据服务中心): GB 32100 Table 1, plus the authorities assigned since
(G 公安 for overseas NGOs, J 住建 for owners' assemblies, Q 侨联, N 农业农村, A 军队).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {c: i for i, c in enumerate(CHARSET)}
_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)

# authority code → (authority, {kind code → kind})
AUTHORITIES: dict[str, tuple[str, dict[str, str]]] = {
    "1": ("机构编制", {"1": "机关", "2": "事业单位", "3": "中央编办直接管理机构编制的群众团体", "9": "其他"}),
    "2": ("外交", {"1": "外国常驻新闻机构", "9": "其他"}),
    "3": (
        "司法行政",
        {
            "1": "律师执业机构",
            "2": "公证处",
            "3": "基层法律服务所",
            "4": "司法鉴定机构",
            "5": "仲裁委员会",
            "6": "商事调解组织",
            "9": "其他",
        },
    ),
    "4": ("文化", {"1": "外国在华文化中心", "9": "其他"}),
    "5": (
        "民政",
        {"1": "社会团体", "2": "民办非企业单位", "3": "基金会", "4": "村民委员会", "5": "居民委员会", "9": "其他"},
    ),
    "6": ("旅游", {"1": "外国旅游部门常驻代表机构", "2": "港澳台地区旅游部门常驻内地（大陆）代表机构", "9": "其他"}),
    "7": ("宗教", {"1": "宗教活动场所", "2": "宗教院校", "9": "其他"}),
    "8": ("工会", {"1": "基层工会", "2": "非法人工会组织", "9": "其他"}),
    "9": ("工商（市场监管）", {"1": "企业", "2": "个体工商户", "3": "农民专业合作社"}),
    "A": ("中央军委改革和编制办公室", {"1": "军队事业单位", "9": "其他"}),
    "G": ("公安", {"1": "境外非政府组织代表机构", "9": "其他"}),
    "J": ("住房和城乡建设", {"1": "业主大会", "9": "其他"}),
    "N": ("农业农村", {"1": "组级集体经济组织", "2": "村级集体经济组织", "3": "乡镇级集体经济组织", "9": "其他"}),
    "Q": ("侨联", {"1": "区县级侨联组织", "2": "乡镇级侨联组织", "3": "村级侨联组织", "9": "其他"}),
    "Y": ("其他", {"1": "其他"}),
}


class CreditCodeError(ValueError):
    """An invalid credit code; the message is in Chinese, for the person who typed it."""

    def __init__(self, message_zh: str) -> None:
        super().__init__(message_zh)
        self.message_zh = message_zh


@dataclass(frozen=True, slots=True)
class CreditCodeParts:
    code: str
    authority: str  # 登记管理部门
    kind: str  # 机构类别
    region: str  # 登记管理机关行政区划码
    organization_code: str  # 主体标识码（组织机构代码）, 9 characters


def check_character(first17: str) -> str:
    """The GB 32100 check character for the first 17 characters (already in the character set)."""
    total = sum(_VALUE[c] * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def organization_check_character(first8: str) -> str:
    """The GB 11714 check character of an organisation code body."""
    total = sum((int(c) if c.isdigit() else ord(c) - 55) * w for c, w in zip(first8, _ORG_WEIGHTS, strict=True))
    value = 11 - total % 11
    return "X" if value == 10 else "0" if value == 11 else str(value)


def normalize_credit_code(code: str) -> str:
    """Strip blanks and hyphens and upper-case; full-width (全角) characters become ASCII."""
    return "".join(unicodedata.normalize("NFKC", code).split()).replace("-", "").upper()


def parse_credit_code(code: str) -> CreditCodeParts:
    """Validate and split a credit code; raises :class:`CreditCodeError`."""
    normalized = normalize_credit_code(code)
    if not normalized:
        raise CreditCodeError("统一社会信用代码不能为空")
    if len(normalized) != 18:
        raise CreditCodeError(f"统一社会信用代码应为 18 位，实际为 {len(normalized)} 位")
    for position, c in enumerate(normalized, start=1):
        if c not in _VALUE:
            raise CreditCodeError(f"第 {position} 位“{c}”不是有效字符（只能是数字和除 I、O、Z、S、V 以外的大写字母）")
    authority = AUTHORITIES.get(normalized[0])
    if authority is None:
        raise CreditCodeError(f"第 1 位登记管理部门代码“{normalized[0]}”不存在")
    authority_name, kinds = authority
    kind = kinds.get(normalized[1])
    if kind is None:
        raise CreditCodeError(f"第 2 位机构类别代码“{normalized[1]}”不属于登记管理部门“{authority_name}”")
    region = normalized[2:8]
    if not region.isdigit():
        raise CreditCodeError("第 3–8 位登记管理机关行政区划码应为 6 位数字")
    # The overall check first: a typo anywhere trips it, and its message suits a typo best.
    if normalized[17] != check_character(normalized[:17]):
        raise CreditCodeError("统一社会信用代码校验位（第 18 位）不正确，请核对是否输错")
    org = normalized[8:17]
    if org[8] != organization_check_character(org[:8]):
        raise CreditCodeError("第 9–17 位组织机构代码（主体标识码）校验位不正确")
    return CreditCodeParts(normalized, authority_name, kind, region, org)


def validate_credit_code(code: str) -> str:
    """The normalized code, or :class:`CreditCodeError` with a message in Chinese."""
    return parse_credit_code(code).code


def is_valid_credit_code(code: str) -> bool:
    try:
        parse_credit_code(code)
    except CreditCodeError:
        return False
    return True
