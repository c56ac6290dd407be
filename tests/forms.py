"""What every form sent back with errors must show (issue 22, "Clear on every screen")."""

from collections import Counter

from bs4 import BeautifulSoup


def assert_errors_are_clear(html):
    """The <title> starts "Error: "; one "There is a problem" summary that takes focus, each
    link going to an element on the page; every aria-describedby names an element that exists
    (ids unique); each invalid input (or its group's fieldset) is described by its error."""
    soup = BeautifulSoup(html, "html.parser")
    assert soup.title.get_text().strip().startswith("Error: "), soup.title
    (summary,) = soup.select("[data-error-summary]")
    assert summary.get("tabindex") == "-1" and summary.has_attr("autofocus")
    assert summary.find("h2").get_text(strip=True) == "There is a problem"
    assert soup.select_one("script[src$='js/error-summary.js']") is not None
    counts = Counter(el["id"] for el in soup.find_all(id=True))
    assert not [i for i, n in counts.items() if n > 1], "duplicate ids"
    links = summary.select("a[href^='#']")
    assert links, "the summary links to the fields"
    assert all(link["href"][1:] in counts for link in links), [a["href"] for a in links]
    described = [
        ref
        for el in soup.find_all(attrs={"aria-describedby": True})
        for ref in el["aria-describedby"].split()
    ]
    assert described and [ref for ref in described if ref not in counts] == []
    for control in soup.find_all(attrs={"aria-invalid": "true"}):
        group = control.find_parent("fieldset")  # radios: Django describes their fieldset
        refs = control.get("aria-describedby", "").split()
        refs += group.get("aria-describedby", "").split() if group else []
        assert any(soup.find(id=ref).select(".field-error") for ref in refs), control
    return soup
