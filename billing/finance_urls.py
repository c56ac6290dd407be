"""School finance pages, under /billing/ (namespace "billing")."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.index, name="index"),
    path("accounts/<id:account_id>/", views.account, name="account"),
    path("accounts/<id:account_id>/statement.pdf", views.statement_pdf, name="statement_pdf"),
    path("accounts/<id:account_id>/statement.csv", views.statement_csv, name="statement_csv"),
    path("invoices/<id:invoice_id>/", views.invoice, name="invoice"),
    path("invoices/<id:invoice_id>/pdf/", views.invoice_pdf, name="invoice_pdf"),
    path("credit-notes/<id:credit_note_id>/pdf/", views.credit_note_pdf, name="credit_note_pdf"),
]
