"""price_for() across every band × package × VAT treatment × override, against a table of
expected prices worked out by hand (not by the code under test)."""

import datetime as dt
from decimal import Decimal

import pytest

from accounts.models import School
from billing import services
from billing.models import (
    Account,
    AccountPackage,
    CourseBandPrice,
    Package,
    PriceBand,
    RunBandPrice,
)
from courses.models import CourseRun

D = Decimal

# The demo's schools (the demo_schools fixture makes them), one per band: Oakfield (partner
# LA, maintained), Riverside (partner academy), Hilltop (LA 902, not a partner), Greenway
# (independent).
SCHOOL_FOR_BAND = {
    "partner_maintained": 990001,
    "partner_academy": 990003,
    "out_of_area": 990005,
    "independent": 990006,
}

# List price £200; bands at 100/110/125/150 %. A run price override of £180 changes the list
# price; a course band price is £150 for the band; a run band price is £120 (wins over both).
BAND_PRICE = {
    "none": {
        "partner_maintained": "200.00",
        "partner_academy": "220.00",
        "out_of_area": "250.00",
        "independent": "300.00",
    },
    "run_price": {
        "partner_maintained": "180.00",
        "partner_academy": "198.00",
        "out_of_area": "225.00",
        "independent": "270.00",
    },
    "course_band": {band: "150.00" for band in SCHOOL_FOR_BAND},
    "run_band": {band: "120.00" for band in SCHOOL_FOR_BAND},
}
# After a package: Silver takes 10 % off; Gold is prepaid credit, which does not change the price.
AFTER_PACKAGE = {
    "none": lambda p: p,
    "silver": lambda p: {
        "200.00": "180.00",
        "220.00": "198.00",
        "250.00": "225.00",
        "300.00": "270.00",
        "180.00": "162.00",
        "198.00": "178.20",
        "225.00": "202.50",
        "270.00": "243.00",
        "150.00": "135.00",
        "120.00": "108.00",
    }[p],
    "gold": lambda p: p,
}
VAT = {"standard": D("0.200"), "zero": D("0.000"), "exempt": D("0.000")}


@pytest.fixture(autouse=True)
def _schools(demo_schools):
    """Every test here finds the demo's schools by URN."""


@pytest.fixture
def packages(db):
    silver, _ = Package.objects.get_or_create(
        name="Silver", defaults={"kind": "discount", "price": 850, "discount_percent": 10}
    )
    gold, _ = Package.objects.get_or_create(
        name="Gold", defaults={"kind": "credits", "price": 2700, "credit_amount": 3000}
    )
    return {"silver": silver, "gold": gold}


@pytest.mark.parametrize("vat", ["standard", "zero", "exempt"])
@pytest.mark.parametrize("package", ["none", "silver", "gold"])
@pytest.mark.parametrize("override", ["none", "run_price", "course_band", "run_band"])
@pytest.mark.parametrize("band", list(SCHOOL_FOR_BAND))
def test_price_matrix(priced_run, packages, band, override, package, vat):
    run, course = priced_run, priced_run.course
    course.vat_treatment = vat
    course.save()
    school = School.objects.get(urn=SCHOOL_FOR_BAND[band])
    account = services.school_account(school)
    AccountPackage.objects.filter(account=account).update(
        ends_on=dt.date(2000, 1, 2), starts_on=dt.date(2000, 1, 1)
    )
    band_row = PriceBand.objects.get(code=band)
    if override == "run_price":
        run.price_override = D("180.00")
        run.save()
    elif override == "course_band":
        CourseBandPrice.objects.create(course=course, band=band_row, price=D("150.00"))
    elif override == "run_band":
        CourseBandPrice.objects.create(course=course, band=band_row, price=D("150.00"))
        RunBandPrice.objects.create(run=run, band=band_row, price=D("120.00"))
    if package != "none":
        today = dt.date.today()
        AccountPackage.objects.create(
            account=account,
            package=packages[package],
            starts_on=today - dt.timedelta(days=30),
            ends_on=today + dt.timedelta(days=300),
        )

    q = services.quote(school, run)
    expected_net = D(AFTER_PACKAGE[package](BAND_PRICE[override][band]))
    assert q.band.code == band
    assert q.net == expected_net
    assert services.price_for(school, run) == expected_net
    assert q.vat_treatment == vat
    assert q.vat_rate == VAT[vat]
    assert q.gross == expected_net + (expected_net * VAT[vat]).quantize(D("0.01"))


def test_free_course_is_free_for_every_band(priced_run):
    priced_run.course.default_price = 0
    priced_run.course.save()
    for urn in SCHOOL_FOR_BAND.values():
        q = services.quote(School.objects.get(urn=urn), priced_run)
        assert q.net == 0 and q.gross == 0 and q.is_free


def test_finance_can_put_a_school_in_another_band(priced_run):
    hilltop = School.objects.get(urn=990005)  # out of area by default
    assert services.price_for(hilltop, priced_run) == D("250.00")
    account = services.school_account(hilltop)
    account.price_band = PriceBand.objects.get(code="partner_maintained")
    account.save()
    assert services.price_for(hilltop, priced_run) == D("200.00")


def test_an_expired_package_gives_no_discount(priced_run, packages):
    oakfield = School.objects.get(urn=990001)
    account = services.school_account(oakfield)
    AccountPackage.objects.create(
        account=account,
        package=packages["silver"],
        starts_on=dt.date(2024, 9, 1),
        ends_on=dt.date(2025, 9, 1),
    )
    assert services.price_for(oakfield, priced_run) == D("200.00")


def test_a_trust_billed_centrally_gets_its_package_discount(priced_run, packages):
    from accounts.models import Trust

    riverside = School.objects.get(urn=990003)
    trust = Trust.objects.create(uid="T-1", name="Riverside Learning Trust", billed_centrally=True)
    riverside.trust = trust
    riverside.save()
    trust_account = services.billed_account(riverside)
    assert trust_account.kind == Account.Kind.TRUST
    today = dt.date.today()
    AccountPackage.objects.create(
        account=trust_account,
        package=packages["silver"],
        starts_on=today,
        ends_on=today + dt.timedelta(days=365),
    )
    assert services.price_for(riverside, priced_run) == D("198.00")


def test_money_is_never_a_float():
    with pytest.raises(TypeError):
        services.money(0.1)
    with pytest.raises(TypeError):
        services.vat_on(10.0, D("0.2"))


def test_a_signed_in_teacher_sees_their_schools_price_on_the_course_page(
    client, priced_run, people
):
    url = priced_run.course.url
    anonymous = client.get(url).content.decode()
    assert "£200.00" in anonymous and "sign in</a> to see your school" in anonymous
    client.force_login(people["teacher_b"])  # Riverside Academy: partner academy, 110 %
    page = client.get(url).content.decode()
    assert "£220.00" in page and "+ VAT £44.00 (£264.00 in all)" in page
    assert "Riverside Academy's price" in page


def test_the_booking_page_shows_the_schools_price_vat_and_total_before_confirming(
    client, priced_run, people
):
    riverside = people["school_b"]
    riverside.bookings_need_approval = False
    riverside.save()
    client.force_login(people["teacher_b"])
    html = client.get(f"/book/{priced_run.pk}/").content.decode()
    # A partner academy pays 110 % of £200; one place; VAT at 20 %.
    assert "£220.00 excluding VAT" in html
    assert "Total before VAT</dt><dd>£220.00" in html
    assert "£44.00 (20%)" in html
    assert "£264.00" in html


def test_a_trust_that_is_not_billed_centrally_lends_its_schools_no_discount(priced_run, packages):
    from accounts.models import Trust

    riverside = School.objects.get(urn=990003)
    trust = Trust.objects.create(uid="T-2", name="Hillside Trust", billed_centrally=False)
    riverside.trust = trust
    riverside.save()
    trust_account = Account.objects.create(kind=Account.Kind.TRUST, trust=trust)
    today = dt.date.today()
    AccountPackage.objects.create(
        account=trust_account,
        package=packages["silver"],
        starts_on=today,
        ends_on=today + dt.timedelta(days=365),
    )
    with_trust = services.quote(riverside, priced_run)
    assert with_trust.discount_percent == 0
    trust.billed_centrally = True
    trust.save()
    assert services.quote(riverside, priced_run).discount_percent > 0


def test_a_price_band_deleted_by_hand_is_put_back_when_next_asked_for(priced_run):
    oakfield = School.objects.get(urn=990001)
    band = services.band_for(oakfield)
    code = band.code
    Account.objects.filter(price_band=band).update(price_band=None)
    PriceBand.objects.filter(pk=band.pk).delete()
    quoted = services.quote(oakfield, priced_run)
    assert quoted.band.code == code
    assert PriceBand.objects.filter(code=code).count() == 1


def test_a_quote_takes_two_queries(priced_run, django_assert_num_queries):
    """Every booking is priced inside its run's lock, so the price must be cheap."""
    oakfield = School.objects.get(urn=990001)
    run = CourseRun.objects.select_related("course").get(pk=priced_run.pk)
    with django_assert_num_queries(2):
        services.quote(oakfield, run)


def test_a_discount_is_rounded_once_half_up_on_the_discounted_price(priced_run, packages):
    """£10.05 less 10 % is £9.045: £9.05 (rounding the discount first would give £9.04)."""
    oakfield = School.objects.get(urn=990001)
    RunBandPrice.objects.create(run=priced_run, band=services.band_for(oakfield), price=D("10.05"))
    today = dt.date.today()
    AccountPackage.objects.create(
        account=services.school_account(oakfield),
        package=packages["silver"],
        starts_on=today,
        ends_on=today + dt.timedelta(days=365),
    )
    assert services.price_for(oakfield, priced_run) == D("9.05")


def test_a_band_set_on_a_centrally_billing_trust_prices_its_schools(priced_run):
    from accounts.models import Trust

    riverside = School.objects.get(urn=990003)  # a partner academy by default: £220
    trust = Trust.objects.create(uid="T-3", name="Crestview Trust", billed_centrally=True)
    riverside.trust = trust
    riverside.save()
    account = services.billed_account(riverside)
    account.price_band = PriceBand.objects.get(code="independent")
    account.save()
    assert services.price_for(riverside, priced_run) == D("300.00")
    assert services.band_for(riverside).code == "independent"
    trust.billed_centrally = False
    trust.save()
    assert services.price_for(riverside, priced_run) == D("220.00")


def _more_runs_of(course, *prices):
    from tests.factories import courses as make

    return [make.run(course, days=(21 + i,), price=p) for i, p in enumerate(prices)]


def test_a_course_pages_dates_are_each_priced_for_the_school_in_one_go(priced_run, packages):
    """quotes_for() gives what quote() gives, date by date. Riverside is a partner academy
    (110 %) holding Silver (10 % off); the course has a £150 band price for its band."""
    riverside = School.objects.get(urn=990003)
    band = PriceBand.objects.get(code="partner_academy")
    course = priced_run.course
    overridden, run_priced = _more_runs_of(course, "180.00", None)
    CourseBandPrice.objects.create(course=course, band=band, price=D("150.00"))
    RunBandPrice.objects.create(run=run_priced, band=band, price=D("120.00"))
    today = dt.date.today()
    AccountPackage.objects.create(
        account=services.school_account(riverside),
        package=packages["silver"],
        starts_on=today - dt.timedelta(days=1),
        ends_on=today + dt.timedelta(days=30),
    )
    runs = list(CourseRun.objects.filter(course=course).select_related("course"))
    quotes = services.quotes_for(riverside, runs)
    # The course's band price (£150) beats the list price and a run's own price (£180); the
    # run's band price (£120) beats both. Silver then takes 10 % off each.
    assert quotes[priced_run.pk].net == D("135.00")
    assert quotes[overridden.pk].net == D("135.00")
    assert quotes[run_priced.pk].net == D("108.00")
    for run in runs:
        assert quotes[run.pk] == services.quote(riverside, run)


def test_a_signed_in_teachers_course_page_costs_the_same_queries_for_three_dates_or_six(
    client, priced_run, people
):
    """Each date shows the school's own price; more dates do not mean more queries (it was
    three more for each date)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    course = priced_run.course
    band = PriceBand.objects.get(code="partner_academy")
    overridden, run_priced = _more_runs_of(course, "180.00", None)
    RunBandPrice.objects.create(run=run_priced, band=band, price=D("120.00"))
    client.force_login(people["teacher_b"])  # Riverside Academy: partner academy, 110 %
    client.get(course.url)  # the first page a worker draws loads its templates
    with CaptureQueriesContext(connection) as three:
        page = client.get(course.url).content.decode()
    # £200 at 110 % is £220; £180 at 110 % is £198; the run's band price is £120.
    assert "£220.00" in page and "£198.00" in page and "£120.00" in page
    _more_runs_of(course, None, None, None)
    client.get(course.url)  # new dates renew the page's kept fragments: drawn once, then kept
    with CaptureQueriesContext(connection) as six:
        assert client.get(course.url).status_code == 200
    assert len(six.captured_queries) == len(three.captured_queries)
