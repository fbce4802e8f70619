"""District codes of towns: the gateway's query log records a nine-digit town code

In a city without districts (东莞) a district is a town, by its nine-digit 统计用区划代码;
VARCHAR(6) refused it on PostgreSQL (SQLite does not enforce the length).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07 16:15:08.067949
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0002'
down_revision: str | Sequence[str] | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('pol_query_audit', schema=None) as batch_op:
        batch_op.alter_column('district',
               existing_type=sa.VARCHAR(length=6),
               type_=sa.String(length=9),
               existing_nullable=True)


def downgrade() -> None:
    with op.batch_alter_table('pol_query_audit', schema=None) as batch_op:
        batch_op.alter_column('district',
               existing_type=sa.String(length=9),
               type_=sa.VARCHAR(length=6),
               existing_nullable=True)
