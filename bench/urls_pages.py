"""The product's URLs, plus each page's floor for ``bench/pages.py``: a bare view in the same
server that runs the page's own SQL and returns a minimal response.

- ``/__floor__/<name>/`` runs the statements the page ``name`` ran when the benchmark
  recorded it (``BENCH_FLOORS``, a JSON file: {name: [sql, ...]}), reading every row, with
  no session, ORM objects or template;
- ``/__floor__/repayment/`` (POST ``arrear``, ``user``) is a bare locked entry: SELECT … FOR
  UPDATE of the arrear, INSERT of a 0.01 repayment, UPDATE of its outstanding.
"""

import json
import os
import uuid
from decimal import Decimal
from functools import cache

from django.db import connection, transaction
from django.http import HttpResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from config.urls import urlpatterns as product_urlpatterns


@cache
def _floors():
    with open(os.environ["BENCH_FLOORS"], encoding="utf-8") as floors:
        return json.load(floors)


def floor(request, name):
    rows = 0
    with connection.cursor() as cursor:
        for sql in _floors()[name]:
            cursor.execute(sql)
            rows += len(cursor.fetchall()) if cursor.description else 0
    return HttpResponse(f"{rows}", content_type="text/plain")


@csrf_exempt
def floor_repayment(request):
    arrear, user = int(request.POST["arrear"]), int(request.POST["user"])
    amount = Decimal("0.01")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT outstanding FROM recovery_arrear WHERE id = %s FOR UPDATE", [arrear])
        (outstanding,) = cursor.fetchone()
        cursor.execute(
            "INSERT INTO recovery_repayment (arrear_id, amount, kind, received_on, receipt_number, note, recorded_by_id,"
            " recorded_at, submission_token) VALUES (%s, %s, 'cash', %s, '', '', %s, %s, %s) RETURNING id",
            [arrear, amount, timezone.localdate(), user, timezone.now(), uuid.uuid4()],
        )
        cursor.execute("UPDATE recovery_arrear SET outstanding = %s WHERE id = %s", [outstanding - amount, arrear])
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("__floor__/repayment/", floor_repayment),
    path("__floor__/<str:name>/", floor),
    *product_urlpatterns,
]
