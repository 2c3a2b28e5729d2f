"""The store: tables, engine, read models and migrations. Never imports Textual."""
