"""Display masks for personal data (GB/T 35273 practice): shown by default everywhere."""


def mask_id_number(value: str) -> str:
    if not value:
        return ""
    # First two and last two characters only: with the age a list shows, a resident ID still has about
    # 6x10^5 candidates (docs/security.md, "个人信息").
    if len(value) <= 6:
        return value[:1] + "*" * (len(value) - 1)
    return value[:2] + "*" * (len(value) - 4) + value[-2:]


def mask_phone(value: str) -> str:
    if not value:
        return ""
    digits = value.replace("-", "")
    if len(digits) == 11 and digits.startswith("1"):
        return digits[:3] + "****" + digits[-4:]
    # Landline: keep the area code and the last two digits.
    if "-" in value:
        area, _, number = value.partition("-")
        return f"{area}-{'*' * max(len(number) - 2, 0)}{number[-2:]}"
    return digits[:3] + "*" * max(len(digits) - 5, 0) + digits[-2:]


def mask_name(value: str) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧阳**: for public and big screens."""
    if not value:
        return ""
    compound = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "令狐", "慕容", "尉迟", "长孙", "司徒", "夏侯")
    keep = 2 if value[:2] in compound and len(value) > 2 else 1
    return value[:keep] + "*" * (len(value) - keep)
