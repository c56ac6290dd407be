from wagtail.models import Site


def site_navigation(request):
    """Menu pages and strands for the header and footer, on every public page."""
    from courses.models import StrandPage

    site = Site.find_for_request(request) if request else None
    if site is None:
        return {}
    root = site.root_page
    return {
        "nav_pages": root.get_children().live().in_menu().order_by("path"),
        "nav_strands": StrandPage.objects.live().descendant_of(root).order_by("path"),
    }
