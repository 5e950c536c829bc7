"""Threads released at the same moment against the real database (PostgreSQL tests)."""

import threading

from django.core.exceptions import ValidationError
from django.db import connection


def run_at_once(count, work, expected=(ValidationError,)):
    """Run ``work(i)`` in ``count`` threads released together; returns their results in
    order. An exception of ``expected`` is a result; any other fails the test."""
    barrier = threading.Barrier(count, timeout=30)
    results = [None] * count
    crashes = []

    def target(i):
        try:
            barrier.wait()
            results[i] = work(i)
        except expected as exc:
            results[i] = exc
        except Exception as exc:  # noqa: BLE001 - reported below
            crashes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "线程未在 60 秒内结束（死锁？）"
    assert not crashes, crashes
    return results
