from django.urls import path

from . import views

app_name = "recovery"
urlpatterns = [
    path("debtors/", views.DebtorListView.as_view(), name="debtor_list"),
    path("debtors/add/", views.DebtorCreateView.as_view(), name="debtor_add"),
    path("debtors/<int:pk>/", views.DebtorView.as_view(), name="debtor"),
    path("debtors/<int:pk>/edit/", views.DebtorEditView.as_view(), name="debtor_edit"),
    path("debtors/<int:debtor>/arrears/add/", views.ArrearCreateView.as_view(), name="arrear_add"),
    path("arrears/", views.ArrearListView.as_view(), name="arrear_list"),
    path("arrears/<int:pk>/edit/", views.ArrearEditView.as_view(), name="arrear_edit"),
    path("arrears/<int:pk>/write-off/", views.WriteOffCreateView.as_view(), name="writeoff_add"),
    path("repayments/", views.RepaymentListView.as_view(), name="repayment_list"),
    path("repayments/add/", views.RepaymentCreateView.as_view(), name="repayment_add"),
    path("repayments/<int:pk>/reverse/", views.RepaymentReverseView.as_view(), name="repayment_reverse"),
]
