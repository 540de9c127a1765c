"""The bottom layer every part of the project uses: where things live in the
data bucket (layout), the names of statuses and metrics (statuses), how
derived resource names are built (names), and how a config model's errors
read (config_errors). Imports nothing of the project; only config_errors
needs a third-party package (pydantic)."""
