"""gunicorn's settings, one file for scripts/start, the image and the compose stack:
``gunicorn -c config/gunicorn.py`` (a command-line option, e.g. ``--bind``, overrides it).

Threaded workers (gthread): a client that sends its request slowly holds one thread, not a
whole worker, so a few slow phones on a village's mobile network cannot stall the site
(tests/config/test_gunicorn.py starts it and tries). Two workers of eight threads by
default; ``WEB_CONCURRENCY`` and ``WEB_THREADS`` change that, ``PORT`` the port. Facing the
internet, put a reverse proxy (nginx) in front: it buffers slow clients by the thousand.
"""

import os


def _positive(name, default):
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit() or int(value) <= 0:
        raise SystemExit(f"环境变量 {name}={value!r} 不是正整数。 / {name}={value!r} is not a positive integer.")
    return int(value)


wsgi_app = "config.wsgi:application"
bind = [f"0.0.0.0:{_positive('PORT', 8000)}"]
worker_class = "gthread"
workers = _positive("WEB_CONCURRENCY", 2)
threads = _positive("WEB_THREADS", 8)
# Load Django once, then fork the workers: quicker to start, memory shared.
preload_app = True
# A worker that has not reported for this long is restarted; a request may run longer
# (threads report through the worker's main loop), a hung worker may not.
timeout = 60
graceful_timeout = 30
keepalive = 5
# Request head limits (gunicorn's defaults, written down); the body limit is Django's
# REQUEST_MAX_BYTES (config/settings.py), answered with 413 before the body is read.
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190
# Renew workers now and then: a long-lived process that renders PDFs grows.
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
# No control socket: several servers on one machine (tests, a second copy) would share its path.
control_socket_disable = True
