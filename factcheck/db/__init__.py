"""The database: schema derived from the pydantic models, migrations, and the queries over it."""
