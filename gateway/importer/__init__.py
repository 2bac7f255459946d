"""Bulk import of history from NDJSON (`gateway import FILE.ndjson`).

The format is documented in the README and kept stable: one JSON object per line,
``"entity"`` naming what it is, ids given by the file. Each family names its
entities in its manifest.
"""

from gateway.importer.errors import ImportFailed
from gateway.importer.loader import ImportReport, load_file

__all__ = ["ImportFailed", "ImportReport", "load_file"]
