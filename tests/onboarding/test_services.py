"""A township's first day (onboarding/services.py): the township and its administrator, and
the cadres' logins with initial passwords that are returned once and stored only hashed."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings

from core.models import User
from core.roles import Role, user_role
from onboarding.selectors import first_run_open
from onboarding.services import cadre_accounts_create, initial_password, township_start
from tests.factories import AssignmentFactory, VillageFactory, cadre_of, leader_of
from villages.models import Township, Village

pytestmark = pytest.mark.django_db

STRICT = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]


def start(**kwargs):
    arguments = {
        "township_name": "清水镇", "township_code": "371302101", "username": "admin",
        "display_name": "王管理", "password": "Lw8mQz3vTk27",
    }
    return township_start(**{**arguments, **kwargs})


def test_it_makes_the_township_and_its_administrator_once():
    assert first_run_open()
    admin = start()
    assert (admin.township.name, admin.township.code) == ("清水镇", "371302101")
    assert admin.is_superuser and admin.check_password("Lw8mQz3vTk27") and not admin.must_change_password
    assert user_role(admin) == Role.ADMIN and admin.groups.filter(name="管理员").exists()
    assert not first_run_open()
    with pytest.raises(PermissionDenied):
        start(username="admin2", township_code="X2")
    assert Township.objects.count() == 1 and User.objects.count() == 1


def test_it_is_closed_when_a_user_exists_even_without_a_township():
    leader_of(None, username="someone")
    assert not first_run_open()
    with pytest.raises(PermissionDenied):
        start()
    assert not Township.objects.exists()


@pytest.mark.parametrize("password", ["12345678901", "admin", "password123"])
def test_it_applies_the_password_validators_and_makes_nothing(password):
    with pytest.raises(ValidationError):
        start(password=password)
    assert not Township.objects.exists() and not User.objects.exists()


@override_settings(AUTH_PASSWORD_VALIDATORS=STRICT)
def test_initial_passwords_pass_the_validators_in_force_and_differ():
    user = User(username="cadre-V001", display_name="张三")
    passwords = {initial_password(user) for _ in range(200)}
    assert len(passwords) == 200
    for password in passwords:
        validate_password(password, user=user)
        assert len(password) == 12 and sum(c.isdigit() for c in password) >= 3 and sum(c.isalpha() for c in password) >= 3
        assert not set(password) & set("0O1lI")


@pytest.fixture
def villages(township, work_area_a):
    made = [VillageFactory(work_area=work_area_a, code=f"QS{n:02d}", name=f"清{n}村", order=n) for n in range(1, 5)]
    AssignmentFactory(village=made[0], person_name="李书记")
    return made


def test_it_makes_a_cadre_login_per_village_with_a_password_to_change_at_first_login(staff_user, villages):
    result = cadre_accounts_create(villages=villages, created_by=staff_user)
    assert [(a.village.code, a.username) for a in result.created] == [(v.code, f"cadre-{v.code}") for v in villages]
    assert result.skipped == []
    for account in result.created:
        user = User.objects.get(username=account.username)
        assert user.village == account.village and user_role(user) == Role.CADRE and user.must_change_password
        assert user.check_password(account.password) and account.password not in user.password
    assert User.objects.get(username="cadre-QS01").display_name == "李书记"
    assert User.objects.get(username="cadre-QS02").display_name == "清2村村干部"


def test_it_skips_and_names_the_villages_that_have_a_login_and_changes_none(staff_user, villages):
    existing = cadre_of(villages[0], username="old-cadre")
    squatter = leader_of(None, username="cadre-QS02")
    before = {user.pk: user.password for user in (existing, squatter)}
    result = cadre_accounts_create(villages=villages, created_by=staff_user)
    assert [(a.village.code, a.username, a.reason) for a in result.skipped] == [
        ("QS01", "old-cadre", "该村已有村干部账号，未改动"),
        ("QS02", "cadre-QS02", "登录名已被占用，未改动"),
    ]
    assert [a.username for a in result.created] == ["cadre-QS03", "cadre-QS04"]
    assert {user.pk: user.password for user in User.objects.filter(pk__in=before)} == before
    again = cadre_accounts_create(villages=villages, created_by=staff_user)
    assert again.created == [] and len(again.skipped) == 4


def test_it_makes_logins_only_for_a_selection(staff_user, villages):
    result = cadre_accounts_create(villages=villages[1:3], created_by=staff_user)
    assert [a.username for a in result.created] == ["cadre-QS02", "cadre-QS03"]
    assert not User.objects.filter(username="cadre-QS01").exists()


def test_it_refuses_a_reader_and_another_townships_villages(staff_user, other_staff_user, leader_user, villages):
    with pytest.raises(PermissionDenied):
        cadre_accounts_create(villages=villages, created_by=leader_user)
    with pytest.raises(PermissionDenied):
        cadre_accounts_create(villages=villages, created_by=other_staff_user)
    assert not User.objects.filter(username__startswith="cadre-").exists()
    assert Village.objects.count() == 4
