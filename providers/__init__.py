"""Dynamic resource providers. Importing this package has no side effects:
providers are pickled by the Pulumi SDK and loaded in another process."""
