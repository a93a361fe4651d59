"""user.sign_in_lock_lifted_at: an administrator can lift an account's sign-in lock

After five failed sign-in steps in fifteen minutes an account is locked for the rest of
the window (``auth.operations.throttled``, counted from ``loginattempt``). Setting a new
password or resetting two-factor sign-in said it lifted the lock, but it wrote
``failed_logins`` and ``locked_until``, which nothing read: the user who had phoned for
help still could not sign in. Failed steps before ``sign_in_lock_lifted_at`` no longer
count. The two unused columns go; the attempts themselves stay in ``loginattempt``.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('user', sa.Column('sign_in_lock_lifted_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    op.drop_column('user', 'failed_logins')
    op.drop_column('user', 'locked_until')


def downgrade() -> None:
    op.add_column('user', sa.Column('locked_until', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    op.add_column('user', sa.Column('failed_logins', sa.Integer(), nullable=False, server_default='0'))
    op.drop_column('user', 'sign_in_lock_lifted_at')
