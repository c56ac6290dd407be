"""The catalogue's reference data: who a course is for (Audience), the school phase it suits
(Phase) and who leads it (Facilitator)."""

from django.db import models
from wagtail.search import index

from accounts.roles import FACILITATORS


class Audience(index.Indexed, models.Model):
    """Who a course is for: a role such as "Teaching assistants" or "Middle leaders"."""

    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)

    search_fields = [index.SearchField("name"), index.AutocompleteField("name")]

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Phase(models.Model):
    """The school phase a course suits: Early years, Primary, Secondary, Special, All phases."""

    name = models.CharField(max_length=60, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "name"]

    def __str__(self):
        return self.name


class Facilitator(index.Indexed, models.Model):
    name = models.CharField(max_length=120)
    role = models.CharField(max_length=150, blank=True, help_text="e.g. Senior adviser, SEND")
    bio = models.TextField(blank=True)
    email = models.EmailField(blank=True)
    photo = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The facilitator's staff login: it opens the registers of the runs they lead.
    user = models.OneToOneField(
        "accounts.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="facilitator",
        # Wagtail's Add user never sets is_staff: the Facilitators group is what makes one.
        limit_choices_to={"groups__name": FACILITATORS},
        verbose_name="staff login",
        help_text="Lets this person take the registers of the runs they lead.",
    )

    search_fields = [index.SearchField("name"), index.SearchField("role")]

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name
