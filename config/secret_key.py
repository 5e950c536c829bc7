"""The secret key kept in ``VAR_DIR/secret_key`` when ``SECRET_KEY`` is not set.

``python -m config.secret_key`` writes it once (``scripts/start``, and every container of
the compose stack before it starts): a random key, readable by its owner only (mode 600).
It is written whole to a temporary file and then linked into place, so processes starting
at the same moment agree on one key and none reads half of it. The settings only read it
(``secret_key_read``): importing them creates nothing.
"""

import os
import secrets
import sys
import tempfile
from pathlib import Path


def secret_key_read(path: Path) -> str:
    """The key in ``path``, or "" when there is no such file."""
    try:
        return Path(path).read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return ""


def secret_key_file_make(path: Path) -> bool:
    """Write a new key to ``path`` unless it exists; True when this call wrote it."""
    path = Path(path)
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".secret_key.")  # mode 600
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as file:
            file.write(secrets.token_urlsafe(50) + "\n")
        os.link(temporary, path)  # fails if another process linked its key first
        return True
    except FileExistsError:
        return False
    finally:
        os.unlink(temporary)


def main() -> None:
    if os.environ.get("SECRET_KEY"):
        return  # the environment's key is used; no file needed
    var_dir = Path(os.environ.get("VAR_DIR") or Path(__file__).resolve().parent.parent / "var")
    path = var_dir / "secret_key"
    if secret_key_file_make(path):
        print(f"已生成密钥 / secret key written: {path} (mode 600)")
    elif not secret_key_read(path):
        sys.exit(f"密钥文件为空 / the secret key file is empty: {path}")


if __name__ == "__main__":
    main()
