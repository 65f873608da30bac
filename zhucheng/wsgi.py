"""WSGI entry point, used by gunicorn."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhucheng.settings")

# Whatever the web process writes (evidence uploads; WeasyPrint's caches) is for
# this system's user alone. Set here, before gunicorn forks its workers and before any
# thread starts, so that a new file is never readable by others, not even in the
# moment between its creation and FILE_UPLOAD_PERMISSIONS' chmod. Not in settings:
# `manage.py collectstatic` writes public files, under the operator's umask.
os.umask(0o077)

application = get_wsgi_application()
