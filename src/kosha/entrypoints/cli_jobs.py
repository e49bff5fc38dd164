"""`kosha jobs …`: follow a server's jobs (filled in below)."""

from __future__ import annotations
