"""The admin only shows what the product records through its services: every ledger, report,
contract and import model has a read-only admin (no add, change or delete, superuser included)."""

import pytest
from django.contrib import admin
from django.test import RequestFactory

from core.admin import ReadOnlyAdmin, ReadOnlyInline

# Models set up in the admin (places, people, campaigns); everything else of these apps is read-only.
EDITABLE = {"core.user", "recovery.campaign"}
READ_ONLY_APPS = {"core", "imports", "recovery", "reports", "contracts"}


def read_only_registrations():
    return sorted(
        (model._meta.label_lower, model_admin)
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label in READ_ONLY_APPS and model._meta.label_lower not in EDITABLE
    )


def test_it_registers_every_recorded_model_with_the_read_only_base():
    registrations = read_only_registrations()
    assert {"repayment", "report", "contract", "importbatch"} <= {label.split(".")[1] for label, _ in registrations}
    for label, model_admin in registrations:
        assert isinstance(model_admin, ReadOnlyAdmin), label
        for inline in model_admin.inlines:
            assert issubclass(inline, ReadOnlyInline), (label, inline)


@pytest.mark.django_db
def test_it_refuses_add_change_and_delete_even_to_a_superuser(superadmin):
    request = RequestFactory().get("/admin/")
    request.user = superadmin
    for label, model_admin in read_only_registrations():
        assert not model_admin.has_add_permission(request), label
        assert not model_admin.has_change_permission(request), label
        assert not model_admin.has_delete_permission(request), label
        assert model_admin.has_view_permission(request), label


@pytest.mark.django_db
def test_it_answers_403_to_the_add_page_and_shows_the_list(client, superadmin, arrear):
    client.force_login(superadmin)
    assert client.get("/admin/recovery/repayment/add/").status_code == 403
    assert client.get("/admin/recovery/arrear/").status_code == 200
    response = client.get(f"/admin/recovery/arrear/{arrear.pk}/change/")
    assert response.status_code == 200
    assert b'name="_save"' not in response.content  # shown, not editable
