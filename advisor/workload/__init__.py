"""Demand to replay: real request traces (read) and realistic synthetic traffic (generated)."""
