"""Facility records: the store (SQLAlchemy), the CERS export importer, fuzzy name search and schema migrations."""
