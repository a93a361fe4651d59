"""comment.request_token: one comment per comment form

A slow double click on "Add comment" sent the form twice and stored the comment twice.
The form carries a one-time token, stored with the comment it added; the same token
again finds that comment instead of adding another, as the new-case form does (0015).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('comment', sa.Column('request_token', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
    op.create_index('ix_comment_request_token', 'comment', ['request_token'], unique=True)


def downgrade() -> None:
    op.drop_index('ix_comment_request_token', table_name='comment')
    op.drop_column('comment', 'request_token')
