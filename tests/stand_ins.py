"""Stand-ins for the slow parts a test does not look at (see the fixtures in tests/conftest.py)."""

import hashlib
import json


def unrendered_pdf(snapshot):
    """A stand-in for a report's PDF: a few bytes that name the snapshot they stand for, so
    two reports of different figures still have different files."""
    digest = hashlib.sha256(json.dumps(snapshot.to_json(), sort_keys=True, default=str).encode()).hexdigest()
    return f"%PDF-1.7\n% not rendered (tests/stand_ins.py): snapshot {digest}\n%%EOF\n".encode()


def unrendered_xlsx(snapshot):
    """The same for a report's Excel file, for tests that read neither file."""
    return unrendered_pdf(snapshot).replace(b"%PDF-1.7", b"XLSX").replace(b"%%EOF", b"")
