"""The index pipeline: fetch, diff, parse, write, link, publish, collect, embed."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Literal
from urllib.parse import quote

from pydantic import SecretStr
from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential_jitter

from kosha.adapters.git import GitMirror, check_ref, transient
from kosha.domain.errors import KoshaError, QuotaChunksExceeded
from kosha.domain.models import (
    LiveFile,
    RepoRecord,
    StoreScope,
    TenantRecord,
    node_id_prefix,
)
from kosha.domain.ports import Embedder
from kosha.domain.tenancy import TenantKey
from kosha.ingest.files import Candidate, SkipReason, classify_path, decode_source, work_order
from kosha.ingest.imports import PathIndex, resolve_import
from kosha.ingest.lease import RepoLease
from kosha.ingest.linking import NewVersions, link
from kosha.ingest.parsing import parse_source
from kosha.ingest.progress import IndexProgress, ProgressCallback, ProgressReporter
from kosha.ingest.ranking import ranks_due, update_ranks
from kosha.ingest.vectors import VectorMaker, embed_backlog
from kosha.ingest.writer import ParsedVersion, StoreWriter, collect_garbage

log = logging.getLogger(__name__)
BATCH_FILES = 200


@dataclass(frozen=True)
class IndexRequest:
    tenant: TenantKey
    repo_url: str  # identity: canonical forge URL, or file:// URL of a local repository
    source: str  # what git fetches from: a forge URL or a local path
    ref: str = "HEAD"
    mode: Literal["incremental", "full"] = "incremental"
    token: SecretStr | None = field(default=None, repr=False)
    token_username: str = "oauth2"
    local: bool = False
    group_path: str | None = None
    forge_project_id: int | None = None
    max_chunks: int | None = None  # the tenant's chunk quota (account mode); None: no limit


@dataclass
class IndexResult:
    repo_id: int
    repo_url: str
    commit: str
    previous_commit: str | None
    mode: str
    up_to_date: bool
    files_indexed: int
    files_removed: int
    chunks_written: int
    chunks_pending: int
    progress: IndexProgress

    def to_dict(self) -> dict:
        return {"repo_id": self.repo_id, "repo_url": self.repo_url, "commit": self.commit,
                "previous_commit": self.previous_commit, "mode": self.mode,
                "up_to_date": self.up_to_date, "files_indexed": self.files_indexed,
                "files_removed": self.files_removed, "chunks_written": self.chunks_written,
                "chunks_pending_vectors": self.chunks_pending, **{
                    k: v for k, v in self.progress.to_dict().items()
                    if k in ("skipped", "languages", "elapsed_s", "searchable_after_s")}}


def _batches(items: Sequence, size: int) -> Iterator[Sequence]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


class IndexService:
    def __init__(self, meta, vectors, graph, blobs, embedder: Embedder,  # noqa: ANN001
                 mirrors_dir: Path, *, max_file_bytes: int = 1_000_000,
                 lock_ttl: timedelta = timedelta(minutes=2),
                 inline_embed_files: int = 64, fetch_backoff: float = 1.0) -> None:
        self.meta = meta
        self.vectors = vectors
        self.graph = graph
        self.blobs = blobs
        self.embedder = embedder
        self.mirrors_dir = Path(mirrors_dir)
        self.max_file_bytes = max_file_bytes
        self.lock_ttl = lock_ttl
        self.inline_embed_files = inline_embed_files
        self.fetch_backoff = fetch_backoff

    def mirror_for(self, repo: RepoRecord) -> GitMirror:
        return GitMirror(self.mirrors_dir / quote(repo.tenant_key, safe="") / f"{repo.id}.git")

    # --- entry point -------------------------------------------------------------------
    def index(self, req: IndexRequest, on_progress: ProgressCallback | None = None,
              embed: bool = True) -> IndexResult:
        """Index `req.ref` of a repo for its tenant; with `embed`, also fill every vector."""
        check_ref(req.ref)
        tenant = self.meta.ensure_tenant(req.tenant)
        repo = self.meta.ensure_repo(tenant, req.repo_url,
                                     source="local" if req.local else "forge",
                                     group_path=req.group_path,
                                     forge_project_id=req.forge_project_id)
        with RepoLease(self.meta, repo.id, req.repo_url, self.lock_ttl):
            return self._index_leased(tenant, repo, req, on_progress, embed)

    def _index_leased(self, tenant: TenantRecord, repo: RepoRecord, req: IndexRequest,
                      on_progress: ProgressCallback | None, embed: bool) -> IndexResult:
        reporter = ProgressReporter(IndexProgress(repo=req.repo_url), on_progress)
        run_id = self.meta.start_run(repo.id, req.ref, req.mode)
        try:
            result = self._run(tenant, repo, req, reporter)
            if embed:
                result.chunks_pending = self._embed(tenant, repo, reporter)
            self.vectors.flush()
            reporter.phase("done")
            self.meta.finish_run(run_id, status="succeeded", commit=result.commit,
                                 stats=result.to_dict())
            return result
        except KoshaError as exc:
            reporter.phase("failed")
            self.meta.finish_run(run_id, status="failed", commit=None, stats={},
                                 error=exc.message)
            if isinstance(exc, QuotaChunksExceeded):  # over quota: remove what it wrote now
                collect_garbage(self.meta, self.vectors, self.graph, self.blobs, repo)
                self.vectors.flush()
            raise
        except Exception as exc:
            reporter.phase("failed")
            self.meta.finish_run(run_id, status="failed", commit=None, stats={},
                                 error=f"internal error ({type(exc).__name__})")
            raise

    def embed_pending(self, tenant_key: TenantKey, repo_url: str,
                      on_progress: ProgressCallback | None = None) -> int:
        """Compute the dense vectors a repo still lacks (after a large cold index)."""
        tenant = self.meta.ensure_tenant(tenant_key)
        repo = self.meta.find_repo(tenant, repo_url)
        if repo is None:
            return 0
        with RepoLease(self.meta, repo.id, repo_url, self.lock_ttl):
            reporter = ProgressReporter(IndexProgress(repo=repo_url), on_progress)
            left = self._embed(tenant, repo, reporter)
            self.vectors.flush()
            return left

    # --- phases ------------------------------------------------------------------------
    def _fetch(self, repo: RepoRecord, req: IndexRequest) -> tuple[GitMirror, str]:
        mirror = self.mirror_for(repo)
        token = req.token.get_secret_value() if req.token else None
        # a forge that answers 5xx or drops the connection gets three tries; 4xx is final
        for attempt in Retrying(retry=retry_if_exception(transient), reraise=True,
                                stop=stop_after_attempt(3),
                                wait=wait_exponential_jitter(initial=self.fetch_backoff,
                                                             max=8.0)):
            with attempt:
                mirror.fetch(req.source, token=token, username=req.token_username,
                             local=req.local)
        try:
            return mirror, mirror.resolve(req.ref)
        except KoshaError:
            if len(req.ref) != 40:
                raise
            mirror.fetch_commit(req.source, req.ref, token=token, username=req.token_username,
                                local=req.local)
            return mirror, mirror.resolve(req.ref)

    def _run(self, tenant: TenantRecord, repo: RepoRecord, req: IndexRequest,
             reporter: ProgressReporter) -> IndexResult:
        progress = reporter.progress
        reporter.phase("fetch")
        mirror, commit = self._fetch(repo, req)
        progress.commit = commit
        collect_garbage(self.meta, self.vectors, self.graph, self.blobs, repo)
        live = self.meta.live_files(repo.id)
        previous = repo.last_indexed_commit
        result = IndexResult(repo.id, repo.repo_url, commit, previous, req.mode, False, 0, 0,
                             0, 0, progress)
        if req.mode == "incremental" and previous == commit:
            result.up_to_date = True
            return result

        reporter.checkpoint()
        reporter.phase("scan")
        tree = mirror.list_files(commit)
        by_path = {f.rel_path: f for f in tree}
        fresh = req.mode == "full" or previous is None or not live
        if fresh:
            considered = tree
        elif mirror.has_commit(previous):
            considered = [by_path[p] for _, p in mirror.diff(previous, commit) if p in by_path]
        else:  # history was rewritten: compare with the live manifest instead
            considered = [f for f in tree if f.rel_path not in live
                          or live[f.rel_path].file_sha != f.blob_sha]
        removed = {p for p in live if p not in by_path}
        candidates: list[Candidate] = []
        for f in considered:
            verdict = classify_path(f, self.max_file_bytes)
            if isinstance(verdict, Candidate):
                candidates.append(verdict)
            else:
                progress.skipped[str(verdict)] += 1
                if f.rel_path in live:
                    removed.add(f.rel_path)
        candidates.sort(key=lambda c: work_order(c.version.rel_path))
        progress.files_total = len(candidates)
        budget = self._chunk_budget(req, tenant, repo, live,
                                    {c.version.rel_path for c in candidates} | removed)

        reporter.phase("parse")
        paths = PathIndex(by_path)
        maker = VectorMaker(self.embedder, self.meta, tenant.id)
        embed_now = len(candidates) <= self.inline_embed_files
        writer = StoreWriter(self.vectors, self.graph, self.blobs, repo, commit)
        new = NewVersions(fresh=fresh)
        upserts: list[LiveFile] = []
        for batch in _batches(candidates, BATCH_FILES):
            versions, skipped = self._parse_batch(mirror, batch, repo, paths, reporter)
            for rel_path, reason in skipped:
                progress.skipped[str(reason)] += 1
                if rel_path in live:
                    removed.add(rel_path)
            self.meta.add_intents(repo.id, [(v.rel_path, v.file_sha, commit) for v in versions])
            written, pending = writer.write(versions, maker, embed_now)
            upserts.extend(written)
            result.chunks_pending += pending
            for v in versions:
                new.add(v.parsed.symbols, v.rel_path, v.import_paths)
                progress.chunks += len(v.parsed.chunks)
                progress.langs[v.parsed.lang] += len(v.parsed.chunks)
                progress.bytes += v.size
            progress.files_done += len(batch)
            if budget is not None and progress.chunks > budget:
                # nothing of this run is live yet: the next run's collection removes it
                raise QuotaChunksExceeded(
                    f"{req.repo_url} needs more chunks than the account's quota leaves "
                    f"({budget}); stopped before anything of it became searchable",
                    details={"repo_url": req.repo_url, "chunks_left": max(budget, 0)})
            reporter.emit()

        progress.vectors_computed += maker.embedded

        reporter.checkpoint()  # the last moment a cancel leaves the previous commit live
        reporter.phase("link")
        new.changed_paths = {u.rel_path for u in upserts} | removed
        scope = StoreScope((repo.tenant_key,), (repo.id,))
        self.graph.write_edges(repo.tenant_key, repo.id, link(self.graph, scope, new))

        reporter.phase("publish")
        replaced = [(p, live[p].file_sha, live[p].blob_commit)
                    for p in new.changed_paths if p in live]
        self.meta.publish(repo.id, commit, req.ref, upserts, sorted(removed), replaced)
        progress.searchable_after = progress.elapsed
        collect_garbage(self.meta, self.vectors, self.graph, self.blobs, repo)
        now_live = self.meta.live_files(repo.id)
        if ranks_due(fresh, len(new.changed_paths), len(now_live), commit):
            update_ranks(self.graph, repo)
        writer.write_manifest(now_live, previous)
        result.files_indexed = len(upserts)
        result.files_removed = len(removed)
        result.chunks_written = progress.chunks
        return result

    def _chunk_budget(self, req: IndexRequest, tenant: TenantRecord, repo: RepoRecord,
                      live: dict[str, LiveFile], touched: set[str]) -> int | None:
        """Chunks this run may write: the tenant's quota less its other repos' chunks and
        what this repo's untouched files keep."""
        if req.max_chunks is None:
            return None
        others = self.meta.tenant_chunks(tenant.id, excluding_repo=repo.id)
        kept = sum(f.chunk_count for p, f in live.items() if p not in touched)
        return req.max_chunks - others - kept

    def _parse_batch(self, mirror: GitMirror, batch: Sequence[Candidate], repo: RepoRecord,
                     paths: PathIndex, reporter: ProgressReporter,
                     ) -> tuple[list[ParsedVersion], list[tuple[str, SkipReason]]]:
        by_sha: dict[str, list[Candidate]] = {}
        for c in batch:
            by_sha.setdefault(c.version.blob_sha, []).append(c)
        versions, skipped = [], []
        for sha, data in mirror.read_blobs(list(by_sha)):
            reporter.checkpoint()
            for c in by_sha[sha]:
                rel = c.version.rel_path
                text = decode_source(data)
                if isinstance(text, SkipReason):
                    skipped.append((rel, text))
                    continue
                parsed = parse_source(rel, text, c.lang, c.has_grammar,
                                      id_prefix=node_id_prefix(repo.tenant_key, repo.id, rel, sha))
                imports = sorted({p for m in parsed.imports
                                  for p in resolve_import(m, rel, paths) if p != rel})
                versions.append(ParsedVersion(rel, sha, c.version.size, data, parsed, imports))
        return versions, skipped

    def _embed(self, tenant: TenantRecord, repo: RepoRecord,
               reporter: ProgressReporter) -> int:
        progress = reporter.progress
        progress.chunks_to_embed = self.vectors.count_pending(repo.tenant_key, repo.id)
        if not progress.chunks_to_embed:
            return 0
        reporter.phase("embed")
        maker = VectorMaker(self.embedder, self.meta, tenant.id)

        def on_batch(n: int) -> None:
            progress.chunks_embedded += n
            reporter.emit()
            reporter.checkpoint()

        embed_backlog(self.vectors, maker, repo.tenant_key, repo.id, on_batch)
        progress.vectors_computed += maker.embedded
        return self.vectors.count_pending(repo.tenant_key, repo.id)
