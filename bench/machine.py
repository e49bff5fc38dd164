"""Machine facts and a section updater for docs/benchmarks.md, shared by the benchmarks."""

from __future__ import annotations

import datetime as dt
import os
import platform
import re
from pathlib import Path


def machine_facts() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"Machine: {os.cpu_count()} cores ({cpu}), {mem_gib:.0f} GiB RAM, "
            f"Python {platform.python_version()}, {platform.system()} {platform.release()}. "
            f"Date: {dt.date.today().isoformat()}.")


def update_section(doc: Path, title: str, body: str) -> None:
    """Replace (or append) the `## title` section of a markdown file."""
    doc.parent.mkdir(parents=True, exist_ok=True)
    text = doc.read_text() if doc.exists() else "# Benchmarks\n\nMeasured, not asserted: " \
        "speed and quality targets live here, not in timed tests.\n"
    section = f"## {title}\n\n{body.strip()}\n"
    pattern = re.compile(rf"^## {re.escape(title)}\n.*?(?=^## |\Z)", re.S | re.M)
    text = pattern.sub(section + "\n", text) if pattern.search(text) else \
        text.rstrip() + "\n\n" + section
    doc.write_text(text)
