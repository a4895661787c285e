"""统一社会信用代码 validation (GB 32100-2015) against real published codes."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agency.enterprises.credit_code import (
    AUTHORITIES,
    CHARSET,
    CreditCodeError,
    check_character,
    is_valid_credit_code,
    organization_check_character,
    parse_credit_code,
    validate_credit_code,
)

# Codes as published on business licences and company registries (names as commonly cited).
WELL_KNOWN = {
    "91350100M000100Y43": "the example most often quoted in documentation (Fuzhou)",
    "9144030071526726XG": "腾讯科技（深圳）有限公司",
    "914403001922038216": "华为技术有限公司",
    "91440300192317458F": "比亚迪股份有限公司",
    "91330100799655058B": "阿里巴巴（中国）有限公司",
    "91110000710925462X": "中国石油天然气股份有限公司",
    "91110108551385082Q": "小米科技有限责任公司",
    "91110000802100433B": "百度在线网络技术（北京）有限公司",
}
# More real codes of various kinds (from python-stdnum's collection of codes found online):
# 12… a public institution (事业单位), 92… individual businesses (个体工商户), MA… codes issued after
# the 2015 reform, L… and X check characters.
OTHER_REAL = [
    "121200004013590816",
    "91110000600037341L",
    "91110000710926094P",
    "91120224064012553U",
    "91152201078371135X",
    "91310000631696382C",
    "91310115MA1K3BTP2B",
    "9131012056010553X5",
    "91340600MA2PBM9HXD",
    "91340603MA2UJXXCXF",
    "91620105L015101280",
    "92340602MA2PBMEM24",
    "92340621MA2UK3PJXE",
    "92340603MA2UK2ECXU",
]
REAL = [*WELL_KNOWN, *OTHER_REAL]


@pytest.mark.parametrize("code", REAL)
def test_real_published_codes_are_valid(code: str) -> None:
    assert validate_credit_code(code) == code
    assert is_valid_credit_code(code)


def test_input_is_normalized() -> None:
    assert validate_credit_code("  9144030071526726xg\n") == "9144030071526726XG"
    assert validate_credit_code("91 4403 0071526726-XG") == "9144030071526726XG"
    # Full-width characters typed with a Chinese input method.
    assert validate_credit_code("９１４４０３００７１５２６７２６ＸＧ") == "9144030071526726XG"


def test_parts_are_named() -> None:
    parts = parse_credit_code("914403001922038216")
    assert (parts.authority, parts.kind, parts.region, parts.organization_code) == (
        "工商（市场监管）",
        "企业",
        "440300",
        "192203821",
    )
    assert parse_credit_code("92340602MA2PBMEM24").kind == "个体工商户"
    assert parse_credit_code("121200004013590816").kind == "事业单位"


@pytest.mark.parametrize("code", REAL)
def test_every_single_character_change_of_a_real_code_is_rejected(code: str) -> None:
    for position in range(18):
        for c in CHARSET + "IOSVZ":
            if c == code[position]:
                continue
            mutated = code[:position] + c + code[position + 1 :]
            assert not is_valid_credit_code(mutated), mutated


@pytest.mark.parametrize("code", REAL)
def test_swapping_neighbours_is_rejected(code: str) -> None:
    for i in range(16):
        if code[i] != code[i + 1]:
            swapped = code[:i] + code[i + 1] + code[i] + code[i + 2 :]
            assert not is_valid_credit_code(swapped), swapped


def _structured_codes() -> st.SearchStrategy[str]:
    pairs = [a + k for a, (_, kinds) in AUTHORITIES.items() for k in kinds]
    body_chars = st.sampled_from(CHARSET)

    def assemble(pair: str, region: str, body: list[str]) -> str:
        org = "".join(body) + organization_check_character("".join(body))
        first17 = pair + region + org
        return first17 + check_character(first17)

    return st.builds(
        assemble,
        st.sampled_from(pairs),
        st.text("0123456789", min_size=6, max_size=6),
        st.lists(body_chars, min_size=8, max_size=8),
    )


@settings(max_examples=300, deadline=None)
@given(_structured_codes(), st.integers(min_value=0, max_value=17), st.sampled_from(CHARSET))
def test_generated_codes_are_valid_and_any_change_is_caught(code: str, position: int, c: str) -> None:
    assert is_valid_credit_code(code)
    if c != code[position]:
        assert not is_valid_credit_code(code[:position] + c + code[position + 1 :])


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("", "不能为空"),
        ("9144030071526726X", "应为 18 位，实际为 17 位"),
        ("9144030071526726XGG", "实际为 19 位"),
        ("9144030071526726IG", "第 17 位“I”不是有效字符"),
        ("Z144030071526726XG", "第 1 位“Z”不是有效字符"),
        ("B144030071526726XG", "登记管理部门代码“B”不存在"),
        ("94440300715267267G", "机构类别代码“4”不属于登记管理部门"),
        ("91A40300715267261G", "行政区划码应为 6 位数字"),
        ("9144030071526726XH", "校验位（第 18 位）不正确"),
    ],
)
def test_errors_are_explained_in_chinese(code: str, message: str) -> None:
    with pytest.raises(CreditCodeError) as caught:
        validate_credit_code(code)
    assert message in caught.value.message_zh
    assert not is_valid_credit_code(code)


def test_organization_code_check_is_enforced_even_when_the_overall_check_holds() -> None:
    # Change the organisation code's own check character and recompute the overall one: only
    # the GB 11714 check can catch it.
    body = "91440300715267260"  # organisation code 71526726 with a wrong check character 0
    forged = body + check_character(body)
    with pytest.raises(CreditCodeError, match="组织机构代码"):
        validate_credit_code(forged)
