"""Typed stack configuration and the components the program builds from it."""
