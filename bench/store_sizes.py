"""Benchmark: what one repository costs in each store, for sizing a deployment.

Indexes the `django/` package of Django 5.2.19 (949 files; the same archive as
bench/index_django.py) on the embedded default with every dense vector, then measures the bytes
each store holds per chunk (SQL metadata, vectors + BM25, graph, blobs), and the embedding
throughput of the bundled model on one core and on every core. Prints JSON; with --write it
updates docs/benchmarks.md ("Store sizes per chunk (issue 13)").

    .venv/bin/python bench/store_sizes.py [--write]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from index_django import WORK, django_repo, git, peak_rss_mb  # noqa: E402
from machine import machine_facts, update_section  # noqa: E402


def du(path: Path) -> int:
    """Bytes of the files under path (what a backup or a volume holds)."""
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def package_repo() -> Path:
    """A git repository of just the `django/` package (the code people search)."""
    repo = WORK / "django-package-repo"
    if (repo / ".git").exists():
        return repo
    shutil.copytree(django_repo() / "django", repo / "django")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "django package")
    return repo


def embed_rate(embedder, texts: list[str], threads: int) -> float:  # noqa: ANN001
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        embedder.embed_documents(texts[:64])  # warm
        t = time.monotonic()
        embedder.embed_documents(texts)
        return round(len(texts) / (time.monotonic() - t), 1)
    finally:
        torch.set_num_threads(before)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    args = parser.parse_args()
    repo = package_repo()
    home = WORK / "sizes-home"
    shutil.rmtree(home, ignore_errors=True)
    os.environ["KOSHA_HOME"] = str(home)

    from kosha.bootstrap import Container
    from kosha.config import Settings
    from kosha.domain.tenancy import LOCAL_TENANT
    from kosha.ingest.pipeline import IndexRequest

    settings = Settings()
    c = Container(settings)
    req = IndexRequest(tenant=LOCAL_TENANT, repo_url=repo.as_uri(), source=str(repo),
                       ref="main", local=True)
    t0 = time.monotonic()
    result = c.indexer.index(req)
    index_s = time.monotonic() - t0
    c.vectors.flush()
    chunks = result.chunks_written
    rows = c.vectors.client.query(c.vectors.collection, filter="project_id >= 0",
                                  output_fields=["text"], limit=512)
    texts = [r["text"] for r in rows]  # real chunks of the index, as the embedder sees them
    rates = {"one_core": embed_rate(c.embedder, texts, 1),
             "all_cores": embed_rate(c.embedder, texts, os.cpu_count() or 1)}
    c.close()
    stores = {"sql_metadata": du(settings.home_dir / "kosha.db"),
              "vectors_bm25_milvus_lite": sum(du(p) for p in settings.home_dir.glob("milvus.db*")),
              "graph_ladybug": du(settings.graph_dir), "blobs": du(settings.blob_root)}
    results = {
        "files": result.files_indexed, "chunks": chunks, "index_s": round(index_s, 1),
        "bytes": stores, "bytes_per_chunk": {k: round(v / chunks) for k, v in stores.items()},
        "total_bytes_per_chunk": round(sum(stores.values()) / chunks),
        "embed_chunks_per_s": rates, "peak_rss_mb": round(peak_rss_mb()),
    }
    print(json.dumps(results, indent=2))
    if args.write:
        write_doc(results)


def write_doc(r: dict) -> None:
    per = r["bytes_per_chunk"]
    body = (
        "Indexing the `django/` package of Django 5.2.19 with every dense vector on the "
        "embedded default, then measuring each store's files. Run: "
        "`.venv/bin/python bench/store_sizes.py --write`.\n\n"
        f"{machine_facts()}\n\n"
        f"{r['files']} files, {r['chunks']:,} chunks, indexed in {r['index_s']} s "
        f"(peak RSS {r['peak_rss_mb']} MB).\n\n"
        "| store | bytes | bytes / chunk |\n|---|---|---|\n"
        + "".join(f"| {k} | {v:,} | {per[k]:,} |\n" for k, v in r["bytes"].items())
        + f"| **all** | {sum(r['bytes'].values()):,} | **{r['total_bytes_per_chunk']:,}** |\n\n"
        f"Embedding (all-MiniLM-L6-v2, bf16, 512 chunks of this index): "
        f"{r['embed_chunks_per_s']['one_core']} chunks/s on one core, "
        f"{r['embed_chunks_per_s']['all_cores']} on all cores.\n")
    update_section(HERE.parent / "docs" / "benchmarks.md", "Store sizes per chunk (issue 13)",
                   body)


if __name__ == "__main__":
    main()
