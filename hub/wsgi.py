import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings.dev")

application = get_wsgi_application()

from search.embeddings import encoder_load  # noqa: E402  (needs Django set up)
from search.lexicon import lexicon  # noqa: E402

# Loaded before the first request, not during it: the sentence encoder and the
# FR/NL/EN word list the member and experiment search translate queries with.
encoder_load()
lexicon()
