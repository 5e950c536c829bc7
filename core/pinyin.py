from pypinyin import Style, lazy_pinyin


def name_initials(name):
    """张三 -> 'zs'; letters and digits in the name are kept as they are (lower case)."""
    letters = lazy_pinyin(name or "", style=Style.FIRST_LETTER, errors="default")
    return "".join(part for part in letters if part.strip()).lower()[:64]
