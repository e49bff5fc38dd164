"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""
import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('tenants',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('key', sa.String(length=512), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('gitlab_domain', sa.String(length=255), nullable=True),
    sa.Column('root_group_path', sa.String(length=512), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    op.create_table('embedding_cache',
    sa.Column('tenant_id', sa.String(length=36), nullable=False),
    sa.Column('model', sa.String(length=255), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('vector', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'model', 'content_hash')
    )
    op.create_table('repos',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('tenant_id', sa.String(length=36), nullable=False),
    sa.Column('repo_url', sa.String(length=2048), nullable=False),
    sa.Column('forge_project_id', sa.BigInteger(), nullable=True),
    sa.Column('group_path', sa.String(length=1024), nullable=True),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('default_branch', sa.String(length=255), nullable=True),
    sa.Column('last_indexed_commit', sa.String(length=64), nullable=True),
    sa.Column('last_indexed_ref', sa.String(length=255), nullable=True),
    sa.Column('last_indexed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('is_index_enabled', sa.Boolean(), nullable=False),
    sa.Column('lock_token', sa.String(length=64), nullable=True),
    sa.Column('lock_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('tenant_id', 'repo_url', name='uq_repos_tenant_url')
    )
    with op.batch_alter_table('repos', schema=None) as batch_op:
        batch_op.create_index('ix_repos_forge_project_id', ['forge_project_id'], unique=False)
        batch_op.create_index('ix_repos_tenant_id', ['tenant_id'], unique=False)

    op.create_table('index_intents',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('repo_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('rel_path', sa.String(length=1024), nullable=False),
    sa.Column('file_sha', sa.String(length=64), nullable=False),
    sa.Column('blob_commit', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['repo_id'], ['repos.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('index_intents', schema=None) as batch_op:
        batch_op.create_index('ix_index_intents_repo', ['repo_id'], unique=False)

    op.create_table('index_runs',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('repo_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('commit', sa.String(length=64), nullable=True),
    sa.Column('ref', sa.String(length=255), nullable=True),
    sa.Column('mode', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('stats', sa.JSON(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['repo_id'], ['repos.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('index_runs', schema=None) as batch_op:
        batch_op.create_index('ix_index_runs_repo', ['repo_id'], unique=False)

    op.create_table('repo_files',
    sa.Column('repo_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('rel_path', sa.String(length=1024), nullable=False),
    sa.Column('file_sha', sa.String(length=64), nullable=False),
    sa.Column('lang', sa.String(length=32), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('line_count', sa.Integer(), nullable=False),
    sa.Column('chunk_count', sa.Integer(), nullable=False),
    sa.Column('blob_commit', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['repo_id'], ['repos.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('repo_id', 'rel_path')
    )


def downgrade() -> None:
    op.drop_table('repo_files')
    with op.batch_alter_table('index_runs', schema=None) as batch_op:
        batch_op.drop_index('ix_index_runs_repo')

    op.drop_table('index_runs')
    with op.batch_alter_table('index_intents', schema=None) as batch_op:
        batch_op.drop_index('ix_index_intents_repo')

    op.drop_table('index_intents')
    with op.batch_alter_table('repos', schema=None) as batch_op:
        batch_op.drop_index('ix_repos_tenant_id')
        batch_op.drop_index('ix_repos_forge_project_id')

    op.drop_table('repos')
    op.drop_table('embedding_cache')
    op.drop_table('tenants')
