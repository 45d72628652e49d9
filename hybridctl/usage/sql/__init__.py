"""Usage where it lives: the cube computed by a database or DuckDB, only aggregates brought back."""
