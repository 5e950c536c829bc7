"""Pinyin initials for searching names: typing ``zs`` finds 张三."""

import functools
import re

from pypinyin import Style, lazy_pinyin
from pypinyin.constants import PHRASES_DICT

# Surnames whose reading as a surname differs from the everyday one (曾 zēng, not céng).
SURNAME_INITIALS = {
    "曾": "z", "单": "s", "解": "x", "仇": "q", "查": "z", "区": "o", "朴": "p", "盖": "g",
    "繁": "p", "尉": "y", "乐": "y", "员": "y", "缪": "m", "覃": "q", "翟": "z", "召": "s",
    "秘": "b", "种": "c", "折": "s", "黑": "h", "沈": "s", "万俟": "mq", "尉迟": "yc",
}
_SURNAMES_LONGEST_FIRST = sorted(SURNAME_INITIALS, key=len, reverse=True)
_NOT_ALNUM = re.compile(r"[^a-z0-9]")


def name_initials(name, person=True):
    """张三 -> 'zs'; 曾国藩 -> 'zgf' (surname reading, for people); punctuation dropped."""
    name = (name or "").strip()
    prefix = ""
    if person:
        for surname in _SURNAMES_LONGEST_FIRST:
            if name.startswith(surname):
                prefix, name = SURNAME_INITIALS[surname], name[len(surname):]
                break
    letters = _initials(name).lower()
    return (prefix + _NOT_ALNUM.sub("", letters))[:64]


def _initials(text):
    """``lazy_pinyin(text, FIRST_LETTER)`` joined, one character at a time (cached) unless a
    part of ``text`` is one of pypinyin's phrases, whose reading may differ from its
    characters' own: then as pypinyin reads the whole."""
    if any(text[i:j] in PHRASES_DICT for i in range(len(text) - 1) for j in range(i + 2, len(text) + 1)):
        return "".join(lazy_pinyin(text, style=Style.FIRST_LETTER, errors="default"))
    return "".join(map(_char_initial, text))


@functools.lru_cache(maxsize=16384)
def _char_initial(char):
    return "".join(lazy_pinyin(char, style=Style.FIRST_LETTER, errors="default"))
