"""Notifications: subscriptions, the outbox of events, the delivery log and its attempts

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07 15:12:49.978481
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0002'
down_revision: str | Sequence[str] | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('notify_events',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('event', sa.String(length=48), nullable=False),
    sa.Column('dedupe', sa.String(length=200), nullable=True),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('departments', sa.JSON(), nullable=False),
    sa.Column('users', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('notify_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notify_events_dedupe'), ['dedupe'], unique=False)
        batch_op.create_index(batch_op.f('ix_notify_events_event'), ['event'], unique=False)

    op.create_table('notify_subscriptions',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('target', sa.Text(), nullable=False),
    sa.Column('department', sa.String(length=16), nullable=True),
    sa.Column('user', sa.String(length=64), nullable=True),
    sa.Column('events', sa.JSON(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('notify_subscriptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notify_subscriptions_department'), ['department'], unique=False)
        batch_op.create_index(batch_op.f('ix_notify_subscriptions_user'), ['user'], unique=False)

    op.create_table('notify_deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.String(length=32), nullable=False),
    sa.Column('subscription_id', sa.String(length=32), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('target', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_status_code', sa.Integer(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['notify_events.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('notify_deliveries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notify_deliveries_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notify_deliveries_next_attempt_at'), ['next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_notify_deliveries_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_notify_deliveries_subscription_id'), ['subscription_id'], unique=False)

    op.create_table('notify_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('delivery_id', sa.Integer(), nullable=False),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=True),
    sa.Column('error', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['delivery_id'], ['notify_deliveries.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('notify_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notify_attempts_delivery_id'), ['delivery_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('notify_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notify_attempts_delivery_id'))

    op.drop_table('notify_attempts')
    with op.batch_alter_table('notify_deliveries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notify_deliveries_subscription_id'))
        batch_op.drop_index(batch_op.f('ix_notify_deliveries_status'))
        batch_op.drop_index(batch_op.f('ix_notify_deliveries_next_attempt_at'))
        batch_op.drop_index(batch_op.f('ix_notify_deliveries_event_id'))

    op.drop_table('notify_deliveries')
    with op.batch_alter_table('notify_subscriptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notify_subscriptions_user'))
        batch_op.drop_index(batch_op.f('ix_notify_subscriptions_department'))

    op.drop_table('notify_subscriptions')
    with op.batch_alter_table('notify_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notify_events_event'))
        batch_op.drop_index(batch_op.f('ix_notify_events_dedupe'))

    op.drop_table('notify_events')
