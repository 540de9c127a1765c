"""Offline evaluation of solution versions, and champion/challenger reports."""
