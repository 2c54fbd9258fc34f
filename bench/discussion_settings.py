"""Settings of the discussion benchmark's server: the product's settings with one more URL.

The environment (``DATABASE_URL``, ``REDIS_URL``, ``TAOLUN_PRODUCTION`` …) is set by ``bench.discussion``
exactly as a production server's would be; the only difference from ``taolun.settings`` is the URLconf,
which adds the bare ``/bench-hello/`` view the figures are compared with (``bench.discussion_urls``).
"""

from taolun.settings import *  # noqa: F403

ROOT_URLCONF = "bench.discussion_urls"
