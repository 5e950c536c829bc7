"""A township's first day without the demo: the township and its administrator (the
first-run page), then a login for every village's cadre with an initial password printed
once for handing out (each must change it at first login).

The structure in between (zones, work areas, villages, the people responsible) is the
structure import (``villages/imports.py``).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from simple_history.utils import bulk_create_with_history

from core.models import User
from core.roles import GROUP_NAMES, Role, require_writer
from villages.choices import AssignmentRole
from villages.models import Assignment, Township, Village

from .selectors import first_run_open

# No look-alikes (0/O, 1/l/I), so a password read off paper is typed right.
LETTERS = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"
DIGITS = "23456789"
PASSWORD_LENGTH = 12


def cadre_username(village: Village) -> str:
    return f"cadre-{village.code}"


def initial_password(user: User) -> str:
    """A random password for ``user`` that the password validators accept: 12 characters,
    letters and digits (at least three of each), no look-alike characters."""
    for _ in range(100):
        chars = [secrets.choice(LETTERS) for _ in range(PASSWORD_LENGTH - 3)] + [secrets.choice(DIGITS) for _ in range(3)]
        for index in range(len(chars) - 1, 0, -1):  # Fisher-Yates with a secure random index
            other = secrets.randbelow(index + 1)
            chars[index], chars[other] = chars[other], chars[index]
        password = "".join(chars)
        try:
            validate_password(password, user=user)
        except ValidationError:
            continue
        return password
    raise RuntimeError("无法生成符合密码规则的初始密码，请检查 AUTH_PASSWORD_VALIDATORS。")


def _lock_users_table():
    """Two first-run forms sent at once: only one may make the first user. SQLite writes one
    transaction at a time (``transaction_mode: IMMEDIATE``); PostgreSQL needs the lock."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {User._meta.db_table} IN SHARE ROW EXCLUSIVE MODE")


def township_start(*, township_name: str, township_code: str, username: str, display_name: str, password: str) -> User:
    """The first run: make the township and its administrator (a superuser tied to it, in the
    管理员 group) with the password they chose, which the password validators must accept.
    Refused (``PermissionDenied``) once a township or a user exists."""
    with transaction.atomic():
        _lock_users_table()
        if not first_run_open():
            raise PermissionDenied("系统已经初始化，不能再次创建乡镇和管理员。")
        user = User(username=username, display_name=display_name, is_staff=True, is_superuser=True)
        validate_password(password, user=user)
        township = Township(code=township_code, name=township_name, order=1)
        township.full_clean()
        township.save()
        user.township = township
        user.set_password(password)
        user.full_clean()
        user.save()
        user.groups.add(Group.objects.get_or_create(name=GROUP_NAMES[Role.ADMIN])[0])
    return user


@dataclass
class CadreAccount:
    village: Village
    username: str
    password: str = ""  # the initial password, only in what the service returns (never stored)
    reason: str = ""  # why a village was skipped


@dataclass
class CadreAccounts:
    created: list[CadreAccount] = field(default_factory=list)
    skipped: list[CadreAccount] = field(default_factory=list)


def cadre_accounts_create(*, villages: Iterable[Village], created_by: User) -> CadreAccounts:
    """A 村干部 login ``cadre-<村居编码>`` for each of ``villages`` (only those ``created_by``
    may see), named after the village's 村书记 when one is registered, with a random initial
    password that must be changed at first login. The passwords are returned, hashed in the
    database, and nowhere else: whoever prints them prints them now. A village whose login
    name is taken, or that already has a cadre login, is skipped and named, never changed."""
    require_writer(created_by)
    pks = [village.pk for village in villages]
    chosen = list(
        Village.objects.visible_to(created_by).filter(pk__in=pks).select_related("work_area__zone").order_by("order", "code")
    )
    if len(chosen) != len(set(pks)):
        raise PermissionDenied("所选村居中有您无权管理的村居。")
    result = CadreAccounts()
    with transaction.atomic():
        group = Group.objects.get_or_create(name=GROUP_NAMES[Role.CADRE])[0]
        names = {cadre_username(village) for village in chosen}
        taken = set(User.objects.filter(username__in=names).values_list("username", flat=True))
        cadres = dict(
            User.objects.filter(village__in=chosen, groups=group).order_by("username").values_list("village_id", "username")
        )
        secretaries = dict(
            Assignment.objects.filter(village__in=chosen, role=AssignmentRole.VILLAGE_SECRETARY).values_list("village_id", "person_name")
        )
        users = []
        for village in chosen:
            username = cadre_username(village)
            if village.pk in cadres:
                result.skipped.append(CadreAccount(village, cadres[village.pk], reason="该村已有村干部账号，未改动"))
                continue
            if username in taken:
                result.skipped.append(CadreAccount(village, username, reason="登录名已被占用，未改动"))
                continue
            user = User(
                username=username, display_name=secretaries.get(village.pk, f"{village.name}村干部"),
                village=village, must_change_password=True,
            )
            password = initial_password(user)
            user.set_password(password)
            users.append(user)
            result.created.append(CadreAccount(village, username, password))
        bulk_create_with_history(users, User, default_user=created_by)
        created = User.objects.filter(username__in=[user.username for user in users])
        group.user_set.add(*created)
    return result
