"""The Celery application of index jobs: Redis broker, JSON messages, no result backend.

Messages are acknowledged when a job ends (not when it starts), so a job whose worker is killed
returns to the queue after `KOSHA_CELERY_VISIBILITY_TIMEOUT` seconds and runs again.
"""

from __future__ import annotations

from celery import Celery

from kosha.config import Settings

INDEX_TASK = "kosha.index_job"


def make_celery(settings: Settings) -> Celery:
    """A Celery app on `KOSHA_REDIS_URL` with every key under `KOSHA_REDIS_PREFIX`."""
    if not settings.redis_url:
        from kosha.accounts.keys import ConfigError

        raise ConfigError("KOSHA_JOB_BACKEND=celery needs KOSHA_REDIS_URL")
    app = Celery("kosha", broker=settings.redis_url, set_as_current=False)
    app.conf.update(
        task_serializer="json", accept_content=["json"], result_serializer="json",
        task_ignore_result=True, result_backend=None,
        task_acks_late=True, task_reject_on_worker_lost=True, worker_prefetch_multiplier=1,
        task_default_queue=settings.celery_queue,
        broker_connection_retry_on_startup=True,
        broker_transport_options={
            "visibility_timeout": settings.celery_visibility_timeout,
            "unacked_restore_interval": settings.celery_restore_interval,
            "unacked_restore_throttle": 1,
            "global_keyprefix": f"{settings.redis_prefix}celery:",
        },
        # no pidbox/event fan-out keys in Redis: nothing but the queue itself
        worker_enable_remote_control=False, worker_send_task_events=False,
        task_send_sent_event=False, worker_hijack_root_logger=False,
    )
    return app
