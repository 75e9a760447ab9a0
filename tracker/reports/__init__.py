"""Turning report data into terminal renderables, JSON objects, Markdown and HTML."""
