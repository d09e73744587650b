"""Web pages for provider offices, families and county workers (issue 6), served at ``/`` by
the same FastAPI application as the REST API.

``mount(api, settings)`` is the one hook the API calls: it adds the pages' routes, the static
files and the signed session cookie. The pages call the use cases directly (``bootstrap.App``
from ``api.state.spenddown``), never the API over HTTP. See docs/web.md.
"""

from __future__ import annotations

from spenddown.entrypoints.web.app import mount

__all__ = ["mount"]
