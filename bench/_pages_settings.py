"""The page benchmark's settings: the test overlay plus a bare view, never in production.

Same middleware, templates and database as the application; only ROOT_URLCONF differs, to
add ``/__bench__/bare/`` (bench._pages_urls).
"""

from micromastery.test_settings import *  # noqa: F403

ROOT_URLCONF = "bench._pages_urls"
