"""job cancel and attempts

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('index_jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cancel_requested', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('attempts', sa.Integer(), server_default='0', nullable=False))
        batch_op.create_index('uq_index_jobs_one_queued', ['tenant_key', 'repo_url'], unique=True, sqlite_where=sa.text("status = 'queued' AND total_repos = 1"), postgresql_where=sa.text("status = 'queued' AND total_repos = 1"))
    # the statuses of issue 10: a job that ended well is `completed`
    op.execute("UPDATE index_jobs SET status = 'completed' WHERE status = 'succeeded'")
    op.execute("UPDATE index_job_repos SET status = 'completed' WHERE status = 'succeeded'")


def downgrade() -> None:
    op.execute("UPDATE index_jobs SET status = 'succeeded' WHERE status = 'completed'")
    op.execute("UPDATE index_job_repos SET status = 'succeeded' WHERE status = 'completed'")
    with op.batch_alter_table('index_jobs', schema=None) as batch_op:
        batch_op.drop_index('uq_index_jobs_one_queued', sqlite_where=sa.text("status = 'queued' AND total_repos = 1"), postgresql_where=sa.text("status = 'queued' AND total_repos = 1"))
        batch_op.drop_column('attempts')
        batch_op.drop_column('cancel_requested')

