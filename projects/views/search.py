"""``/search/``: the header search box's page (``projects.search``)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from projects import search


@login_required
def search_page(request):
    """Projects, sub-items, milestones, units, persons and vice-mayors matching
    ``q`` within the reader's reach, by kind. An empty or too long query gets a
    message, not an error."""
    raw = request.GET.get("q", "")
    too_long = search.is_too_long(raw)
    query = None if too_long else search.parse(raw)
    groups = search.search(request.user, raw) if query is not None else []
    return render(
        request,
        "projects/search.html",
        {
            "q": search.clean(raw[: 4 * search.MAX_LENGTH]),
            "query": query,
            "terms": query.terms if query else (),
            "too_long": too_long,
            "groups": groups,
            "max_length": search.MAX_LENGTH,
            "per_kind": search.PER_KIND,
        },
    )
