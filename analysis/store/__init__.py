"""Storage: the one module that opens DuckDB (``db``), SQL over the cell tables (``cells``), the studies in a store.

May import: the base modules.
"""
