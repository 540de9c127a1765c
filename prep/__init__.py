"""Data preparation: raw exports in, validated and versioned Personalize datasets out."""

__version__ = "0.1.0"
