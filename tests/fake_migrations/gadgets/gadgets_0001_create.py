"""Create test_gadget with a ``title`` column (renamed to ``label`` by gadgets_0002)."""
from alembic import op
import sqlalchemy as sa

revision = "gadgets_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("test_gadget",
                    sa.Column("id", sa.Integer(), nullable=False),
                    sa.Column("title", sa.String(), nullable=False),
                    sa.PrimaryKeyConstraint("id", name=op.f("pk_test_gadget")))


def downgrade() -> None:
    op.drop_table("test_gadget")
