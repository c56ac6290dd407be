from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("", views.home, name="home"),
    path("school/find/", views.find_school, name="find_school"),
    path("school/<id:school_id>/join/", views.join_school, name="join_school"),
    path("school/<id:school_id>/", views.school_dashboard, name="school_dashboard"),
    path("school/<id:school_id>/approval-rules/", views.approval_rules, name="approval_rules"),
    path(
        "school/<id:school_id>/requests/<id:request_id>/",
        views.decide_join_request,
        name="decide_join_request",
    ),
    path(
        "school/<id:school_id>/staff/<id:membership_id>/roles/",
        views.update_roles,
        name="update_roles",
    ),
    path(
        "school/<id:school_id>/staff/<id:membership_id>/remove/",
        views.remove_member,
        name="remove_member",
    ),
    path("trust/<id:trust_id>/", views.trust_dashboard, name="trust_dashboard"),
    path(
        "trust/<id:trust_id>/people/<id:membership_id>/roles/",
        views.update_trust_roles,
        name="update_trust_roles",
    ),
    path(
        "trust/<id:trust_id>/people/<id:membership_id>/remove/",
        views.remove_from_trust,
        name="remove_from_trust",
    ),
    path("consortium/<id:consortium_id>/", views.consortium_dashboard, name="consortium_dashboard"),
    path(
        "consortium/<id:consortium_id>/budget/",
        views.consortium_budget,
        name="consortium_budget",
    ),
    path(
        "consortium/<id:consortium_id>/leads/<id:membership_id>/remove/",
        views.remove_consortium_lead,
        name="remove_consortium_lead",
    ),
    path("data.json", views.download_data, name="download_data"),
    path("close/", views.close_account, name="close_account"),
]
