"""What the benchmarks share: Django set-up, the guard before wiping, timing, peak memory,
fresh child processes, cProfile listings, the result table and the names in generated data.

Each benchmark is a script (``.venv/bin/python bench/report.py``) that puts the repository
on ``sys.path`` and then imports this module.
"""

import argparse
import cProfile
import io
import json
import os
import pstats
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

# Names for generated people, companies' founders and villages (the benchmarks add their
# own village-name endings: the generated data, and the cached files, depend on them).
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国兰志玉梅海春花红文斌宁波辉鹏飞云凤琴"
VILLAGE_FIRST = "张王李赵刘陈杨黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
NUMERALS = "一二三四五六七八九十"


def log(message=""):
    print(message, flush=True)


def argument_parser(doc):
    """A parser described by the first paragraph of the benchmark's docstring."""
    return argparse.ArgumentParser(description=doc.split("\n\n")[0])


# ---- set-up ------------------------------------------------------------------------

def django_setup(*, database_url=None, var_dir=None):
    """Django on the base settings (not the test settings), quiet logs, a throwaway secret.
    ``database_url`` and ``var_dir`` replace DATABASE_URL and VAR_DIR (and MEDIA_ROOT under it)."""
    if database_url is not None:
        os.environ["DATABASE_URL"] = database_url
    if var_dir is not None:
        os.environ["VAR_DIR"] = str(var_dir)
        os.environ["MEDIA_ROOT"] = str(Path(var_dir) / "media")
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ.setdefault("SECRET_KEY", "bench-only-not-secret")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    from config.folders import database_folder_make

    database_folder_make()
    import django

    django.setup()


def static_collect():
    """collectstatic, as scripts/start does: with DEBUG off the pages link the hashed static
    files of var/staticfiles' manifest."""
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)


def migrate():
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def refuse_foreign_data(*, townships, username, hint):
    """Stop before wiping a database that holds more than the benchmark's own data:
    ``townships`` are the townships that are not the benchmark's (a queryset), ``username``
    its only user (or a tuple of its users)."""
    from core.models import User

    usernames = (username,) if isinstance(username, str) else tuple(username)
    foreign = list(townships.values_list("code", flat=True)[:5])
    foreign += list(User.objects.exclude(username__in=usernames).values_list("username", flat=True)[:5])
    if foreign:
        sys.exit(f"refusing to wipe: this database holds data that is not the benchmark's ({foreign}). {hint}")


# ---- generated names ---------------------------------------------------------------

def person_name(rng):
    """A surname and one or two given characters, drawn from ``rng``."""
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


# ---- timing ------------------------------------------------------------------------

def timed(fn, runs):
    """A warm-up call, then ``runs`` timed calls: (last result, [seconds])."""
    result = fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return result, times


def timed_pair(measured, floor, runs):
    """Like ``timed`` for two functions, interleaved (a, b, a, b, ...), so that load from
    other processes on the machine falls on both alike: ((result, [s]), (result, [s]))."""
    results, times = [measured(), floor()], [[], []]
    for _ in range(runs):
        for index, fn in enumerate((measured, floor)):
            t0 = time.perf_counter()
            results[index] = fn()
            times[index].append(time.perf_counter() - t0)
    return (results[0], times[0]), (results[1], times[1])


def fmt_s(times):
    return f"{min(times):.3f} s (median {statistics.median(times):.3f})"


# ---- memory ------------------------------------------------------------------------

def status_kb(field):
    """A ``/proc/self/status`` figure in KiB (VmRSS, VmHWM, ...), or None."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def peak_rss_kb():
    """This process's peak resident set (VmHWM), in KiB.

    Not ``ru_maxrss``: Linux carries the parent's high-water mark into a child across
    fork/exec, so a child started by the (large) generating process would report the
    parent's peak. VmHWM belongs to the process's own address space, fresh at exec."""
    return status_kb("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def reset_peak_rss():
    """Start VmHWM again from the current resident set (Linux: ``5`` to clear_refs), so that
    each step's own peak can be read. -> False where that is not allowed (peaks accumulate)."""
    try:
        with open("/proc/self/clear_refs", "w") as clear:
            clear.write("5")
        return True
    except OSError:
        return False


def mb(kb):
    return kb / 1024


# ---- child processes and profiles --------------------------------------------------

class ChildFailed(RuntimeError):
    """A child process exited non-zero; the message ends with its last stderr."""


def run_child(script, *arguments):
    """Run ``script`` with ``arguments`` in a fresh Python process (this environment) ->
    (the JSON it printed last, the lines before it)."""
    command = [sys.executable, str(Path(script).resolve()), *arguments]
    proc = subprocess.run(command, capture_output=True, text=True, env=os.environ)
    if proc.returncode != 0:
        raise ChildFailed(f"{' '.join(arguments)} failed:\n{proc.stderr[-4000:]}")
    lines = proc.stdout.rstrip("\n").split("\n")
    return json.loads(lines[-1]), "\n".join(lines[:-1])


def profile_listings(profiler, label, limit=25, *, strip_dirs=False):
    """A stopped ``cProfile.Profile``'s top ``limit`` lines, by own and by cumulative time ->
    [listing]. Paths are shown from the repository (or without folders, ``strip_dirs``)."""
    listings = []
    for order in ("tottime", "cumulative"):
        stream = io.StringIO()
        stats = pstats.Stats(profiler, stream=stream)
        if strip_dirs:
            stats.strip_dirs()
        stats.sort_stats(order).print_stats(limit)
        text = "\n".join(line.replace(str(BASE_DIR) + "/", "") for line in stream.getvalue().splitlines()[4:])
        listings.append(f"---- cProfile: {label}, by {order} ----\n{text}")
    return listings


def profiled(fn, label, listings, limit=30, *, strip_dirs=False):
    """``fn()`` under cProfile; its listings are appended to ``listings``."""
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        return fn()
    finally:
        profiler.disable()
        listings.extend(profile_listings(profiler, label, limit, strip_dirs=strip_dirs))


# ---- the result table --------------------------------------------------------------

def display_width(text):
    """Display width: CJK characters take two columns."""
    return sum(2 if ord(c) > 0x2E80 else 1 for c in str(text))


def pad(text, width):
    text = str(text)
    return text + " " * (width - display_width(text))


def table_lines(header, rows):
    """``header`` and ``rows`` (tuples of the same length) as aligned text lines."""
    widths = [max(display_width(row[i]) for row in [header, *rows]) for i in range(len(header))]
    return ["  ".join(pad(cell, width) for cell, width in zip(row, widths)) for row in [header, *rows]]
