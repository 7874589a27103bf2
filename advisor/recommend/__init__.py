"""The recommend pipeline: lake -> engine -> lake."""
