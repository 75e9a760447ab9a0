"""The only package that talks to the database (SQLModel / SQLAlchemy, Alembic)."""
