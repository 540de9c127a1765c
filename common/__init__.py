"""The bottom layer every part of the project uses: where things live in the
data bucket, the names of statuses and metrics, and how derived resource
names are built. Imports nothing of the project and no third-party package."""
