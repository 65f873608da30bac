"""Error views Django does not render from a template by default."""

from django.shortcuts import render


def csrf_failure(request, reason: str = ""):
    """``CSRF_FAILURE_VIEW``: a form posted with a stale or missing token (the page
    sat open past the session, or the user signed out in another tab) gets a page
    in the site's layout that says what happened and how to go on, not Django's
    bare English page. The reason stays in the log, not on the page."""
    return render(request, "403_csrf.html", status=403)
