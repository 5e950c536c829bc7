import os

from django.core.wsgi import get_wsgi_application

from .folders import database_folder_make

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
database_folder_make()
application = get_wsgi_application()
