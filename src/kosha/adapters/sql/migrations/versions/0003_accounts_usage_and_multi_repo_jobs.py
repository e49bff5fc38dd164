"""accounts, usage and multi-repo jobs

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('index_job_repos',
    sa.Column('job_id', sa.String(length=32), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('repo_url', sa.String(length=2048), nullable=False),
    sa.Column('ref', sa.String(length=255), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('phase', sa.String(length=16), nullable=False),
    sa.Column('files_total', sa.Integer(), nullable=False),
    sa.Column('files_done', sa.Integer(), nullable=False),
    sa.Column('chunks', sa.Integer(), nullable=False),
    sa.Column('languages', sa.JSON(), nullable=False),
    sa.Column('commit', sa.String(length=64), nullable=True),
    sa.Column('error_code', sa.String(length=64), nullable=True),
    sa.Column('error_message', sa.Text(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['job_id'], ['index_jobs.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('job_id', 'position')
    )
    op.create_table('recent_queries',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('tenant_id', sa.String(length=36), nullable=False),
    sa.Column('query', sa.String(length=2000), nullable=False),
    sa.Column('mode', sa.String(length=16), nullable=False),
    sa.Column('hits', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('recent_queries', schema=None) as batch_op:
        batch_op.create_index('ix_recent_queries_tenant', ['tenant_id', 'id'], unique=False)

    op.create_table('usage_daily',
    sa.Column('tenant_id', sa.String(length=36), nullable=False),
    sa.Column('day', sa.String(length=10), nullable=False),
    sa.Column('queries', sa.Integer(), nullable=False),
    sa.Column('chunks_written', sa.Integer(), nullable=False),
    sa.Column('chunks_embedded', sa.Integer(), nullable=False),
    sa.Column('bytes_indexed', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'day')
    )
    op.create_table('users',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=True),
    sa.Column('tenant_id', sa.String(length=36), nullable=False),
    sa.Column('tier', sa.String(length=16), nullable=False),
    sa.Column('max_repos', sa.Integer(), nullable=True),
    sa.Column('max_chunks', sa.Integer(), nullable=True),
    sa.Column('max_queries_per_day', sa.Integer(), nullable=True),
    sa.Column('key_salt', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('email')
    )
    op.create_table('forge_credentials',
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('domain', sa.String(length=255), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('forge_user', sa.String(length=255), nullable=True),
    sa.Column('key_id', sa.String(length=16), nullable=False),
    sa.Column('nonce', sa.LargeBinary(), nullable=False),
    sa.Column('ciphertext', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'domain')
    )
    op.create_table('oauth_links',
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('domain', sa.String(length=255), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'domain'),
    sa.UniqueConstraint('domain', 'subject', name='uq_oauth_links_subject')
    )
    op.create_table('refresh_tokens',
    sa.Column('jti', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('family_id', sa.String(length=32), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('jti')
    )
    with op.batch_alter_table('refresh_tokens', schema=None) as batch_op:
        batch_op.create_index('ix_refresh_tokens_family', ['family_id'], unique=False)
        batch_op.create_index('ix_refresh_tokens_user', ['user_id'], unique=False)

    with op.batch_alter_table('index_jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('total_repos', sa.Integer(), nullable=False, server_default='1'))
        batch_op.add_column(sa.Column('current_repo_index', sa.Integer(), nullable=False, server_default='0'))



def downgrade() -> None:
    with op.batch_alter_table('index_jobs', schema=None) as batch_op:
        batch_op.drop_column('current_repo_index')
        batch_op.drop_column('total_repos')

    with op.batch_alter_table('refresh_tokens', schema=None) as batch_op:
        batch_op.drop_index('ix_refresh_tokens_user')
        batch_op.drop_index('ix_refresh_tokens_family')

    op.drop_table('refresh_tokens')
    op.drop_table('oauth_links')
    op.drop_table('forge_credentials')
    op.drop_table('users')
    op.drop_table('usage_daily')
    with op.batch_alter_table('recent_queries', schema=None) as batch_op:
        batch_op.drop_index('ix_recent_queries_tenant')

    op.drop_table('recent_queries')
    op.drop_table('index_job_repos')
