from django.urls import path

from . import views

app_name = "search"

urlpatterns = [
    path("", views.finder, name="finder"),
    path("autocomplete/", views.autocomplete, name="autocomplete"),
]
