"""Settings of the page benchmark's server (``bench/pages.py``): the product's own settings,
plus the floor URLs of ``bench/urls_pages.py``. Never used outside the benchmark."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls_pages"
