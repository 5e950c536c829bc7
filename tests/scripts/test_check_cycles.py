"""scripts/check_cycles.py: a circle of imports that run at import time fails; imports inside
functions and under TYPE_CHECKING do not count."""

import subprocess
import sys
from pathlib import Path

from django.conf import settings

SCRIPT = Path(settings.BASE_DIR) / "scripts" / "check_cycles.py"


def write(root, files):
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def check(root):
    return subprocess.run([sys.executable, str(SCRIPT), str(root)], capture_output=True, text=True, timeout=60)


def test_it_finds_no_cycle_in_the_project():
    result = check(SCRIPT.parent.parent)
    assert result.returncode == 0, result.stderr
    assert "no import cycles" in result.stdout


def test_it_fails_on_a_service_and_its_task_importing_each_other_at_the_top(tmp_path):
    write(tmp_path, {
        "shop/__init__.py": "",
        "shop/services.py": "from .tasks import order_run\n",
        "shop/tasks.py": "import os\n\nfrom shop.services import order_create\n",
    })
    result = check(tmp_path)
    assert result.returncode == 1
    assert "shop.services -> shop.tasks -> shop.services" in result.stderr
    assert "shop/services.py:1 imports shop.tasks" in result.stderr
    assert "shop/tasks.py:3 imports shop.services" in result.stderr


def test_it_follows_a_circle_across_apps_through_class_bodies_and_blocks(tmp_path):
    write(tmp_path, {
        "a/__init__.py": "",
        "a/models.py": "try:\n    from b import views\nexcept ImportError:\n    pass\n",
        "b/__init__.py": "",
        "b/views.py": "class View:\n    from c.forms import Form\n",
        "c/__init__.py": "",
        "c/forms.py": "if True:\n    import a.models\n",
    })
    result = check(tmp_path)
    assert result.returncode == 1
    assert "a.models -> b.views -> c.forms -> a.models" in result.stderr


def test_it_ignores_imports_inside_functions_and_under_type_checking(tmp_path):
    write(tmp_path, {
        "shop/__init__.py": "",
        "shop/services.py": "from .tasks import order_run\n",
        "shop/tasks.py": (
            "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from shop.services import Order\n\n\n"
            "def order_run():\n    from .services import order_create\n\n    order_create()\n"
        ),
    })
    result = check(tmp_path)
    assert result.returncode == 0, result.stderr
