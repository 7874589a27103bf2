"""What the CLI, the dashboard, the report and the notebooks show the same way: charts and numbers."""
