"""Rename test_gadget.title to label, keeping the data (batch mode: SQLite copies the table)."""
from alembic import op

revision = "gadgets_0002"
down_revision = "gadgets_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("test_gadget") as batch:
        batch.alter_column("title", new_column_name="label")


def downgrade() -> None:
    with op.batch_alter_table("test_gadget") as batch:
        batch.alter_column("label", new_column_name="title")
