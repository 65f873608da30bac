"""gunicorn settings, read automatically from the working directory (`make serve`,
the load test, the systemd unit in README). Command-line flags override them.

The application and every view module are imported once in the master before the
workers fork, so no worker spends its first request (seconds on a busy machine)
importing Django, WeasyPrint and the views. No database connection is opened there.
"""

preload_app = True
timeout = 60  # PDF rendering of a large year can take several seconds
graceful_timeout = 20


def when_ready(server):
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018  (imports the URL conf and all views)
    from django.db import connections

    connections.close_all()
