from django.urls import path

from . import views

app_name = "contracts"
urlpatterns = [
    path("", views.ContractListView.as_view(), name="contract_list"),
    path("add/", views.ContractCreateView.as_view(), name="contract_add"),
    path("figures/", views.FiguresView.as_view(), name="figures"),
    path("<int:pk>/", views.ContractView.as_view(), name="contract"),
    path("<int:pk>/edit/", views.ContractEditView.as_view(), name="contract_edit"),
    path("<int:pk>/advance/", views.ContractAdvanceView.as_view(), name="contract_advance"),
    path("<int:pk>/findings/add/", views.FindingCreateView.as_view(), name="finding_add"),
    path("findings/<int:pk>/resolve/", views.FindingResolveView.as_view(), name="finding_resolve"),
    path("<int:pk>/attachments/add/", views.AttachmentCreateView.as_view(), name="attachment_add"),
    path("attachments/<int:pk>/", views.AttachmentView.as_view(), name="attachment"),
    path("<int:pk>/fees/add/", views.FeePaymentCreateView.as_view(), name="fee_payment_add"),
]
