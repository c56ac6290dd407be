"""Phone bookings: choose the school, tick its staff who are going, book through
bookings.services.book_places()."""

from django import forms
from django.contrib import messages
from django.views.generic import TemplateView

from accounts.models import School, User
from courses.models import CourseRun

from .. import services
from ..models import Booking, Enrolment
from ..services import BookingRefused, BookingRequest, Delegate
from .run_pages import RunPageMixin


def open_schools():
    return School.objects.filter(
        status__in=[School.Status.OPEN, School.Status.OPEN_PROPOSED_TO_CLOSE]
    ).order_by("name")


class ChooseSchoolForm(forms.Form):
    school = forms.ModelChoiceField(
        queryset=open_schools(), empty_label="Choose a school", label="School"
    )


class PhoneBookingForm(forms.Form):
    """Step 2: tick the school's staff who are going. Per-person needs are optional fields
    named needs-<user id>-access / -dietary, shown on the person's row."""

    # Not required here: book_places() refuses an empty list with its own message.
    delegates = forms.ModelMultipleChoiceField(
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Who is going",
    )
    po_number = forms.CharField(label="Purchase order (PO) number", max_length=40, required=False)

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        staff = User.objects.filter(memberships__school=school).order_by(
            "last_name", "first_name", "email"
        )
        self.fields["delegates"].queryset = staff
        self.staff = list(staff)
        if school.po_number_required:
            self.fields["po_number"].help_text = f"{school.name} needs one on every booking."
        for person in self.staff:
            name = person.get_full_name() or person.email
            self.fields[f"needs-{person.pk}-access"] = forms.CharField(
                label=f"Access needs for {name}", required=False, max_length=500
            )
            self.fields[f"needs-{person.pk}-dietary"] = forms.CharField(
                label=f"Dietary needs for {name}", required=False, max_length=300
            )

    def rows(self):
        """(person, checkbox, access field, dietary field) for each of the school's staff."""
        boxes = {str(box.data["value"]): box for box in self["delegates"]}
        for person in self.staff:
            yield (
                person,
                boxes[str(person.pk)],
                self[f"needs-{person.pk}-access"],
                self[f"needs-{person.pk}-dietary"],
            )

    def delegates_to_book(self):
        return [
            Delegate(
                person,
                self.cleaned_data.get(f"needs-{person.pk}-access", ""),
                self.cleaned_data.get(f"needs-{person.pk}-dietary", ""),
            )
            for person in self.cleaned_data["delegates"]
        ]


class PhoneBookingView(RunPageMixin, TemplateView):
    """Book places for a school that phoned in: pick the school, then tick its staff."""

    model = Booking
    permission_required = "add"
    page_title = "Phone booking"
    page_name = "bookings_admin:phone_booking"
    header_icon = "plus"
    template_name = "bookings/admin/phone_booking.html"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        chosen = request.POST.get("school") or request.GET.get("school")
        self.school_form = ChooseSchoolForm({"school": chosen} if chosen else None)
        self.school = None
        if chosen and self.school_form.is_valid():
            self.school = self.school_form.cleaned_data["school"]

    def get(self, request, *args, **kwargs):
        form = PhoneBookingForm(school=self.school) if self.school else None
        return self.render_to_response(self.get_context_data(form=form))

    def post(self, request, *args, **kwargs):
        if self.run.status == CourseRun.Status.CANCELLED:
            # book_places() lets staff book a closed run by phone; a cancelled one, never.
            messages.error(request, "This run is cancelled: it takes no bookings.")
            return self.back_to("delegates")
        if self.school is None:
            return self.get(request, *args, **kwargs)
        form = PhoneBookingForm(request.POST, school=self.school)
        if form.is_valid():
            try:
                booking = services.book_places(
                    self.run.pk,
                    BookingRequest(
                        school=self.school,
                        booked_by=request.user,
                        delegates=form.delegates_to_book(),
                        po_number=form.cleaned_data["po_number"],
                        source=Booking.Source.PHONE,
                    ),
                )
            except BookingRefused as refusal:
                form.add_error(None, str(refusal))
            else:
                count = booking.enrolments.count()
                messages.success(
                    request,
                    f"Booked {count} place{'s' if count != 1 else ''} for {self.school.name}: "
                    f"booking {booking.reference}. Confirmation emails are on their way.",
                )
                return self.back_to("delegates")
        return self.render_to_response(self.get_context_data(form=form), status=200)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        already = set(
            Enrolment.objects.filter(run=self.run).live().values_list("delegate_id", flat=True)
        )
        context.update(
            school_form=self.school_form,
            school=self.school,
            already_booked=already,
            cancelled=self.run.status == CourseRun.Status.CANCELLED,
        )
        return context
