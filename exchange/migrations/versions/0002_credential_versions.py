"""Credential versions: tokens and web sessions carry the version they were issued under

`ex_clients.credential_version` rises at every rotation, password change and revocation;
a token or web session whose version is not the current one is refused. Sessions made before
this revision hold 0, so people sign in again once after the upgrade; tokens made before it
carry no version and are refused (they live 15 minutes; clients ask for new ones).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07 12:06:11.794804
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0002'
down_revision: str | Sequence[str] | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('ex_clients', schema=None) as batch_op:
        batch_op.add_column(sa.Column('credential_version', sa.Integer(), server_default='1', nullable=False))

    with op.batch_alter_table('ex_web_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('credential_version', sa.Integer(), server_default='0', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('ex_web_sessions', schema=None) as batch_op:
        batch_op.drop_column('credential_version')

    with op.batch_alter_table('ex_clients', schema=None) as batch_op:
        batch_op.drop_column('credential_version')
