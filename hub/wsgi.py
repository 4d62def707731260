import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings.dev")

application = get_wsgi_application()

from search.embeddings import encoder_load  # noqa: E402  (needs Django set up)

encoder_load()
