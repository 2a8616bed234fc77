"""Core logic of the app: data access, queries, reference tables and formatting."""
