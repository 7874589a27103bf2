"""The cost report: build from the lake and the engine, render (HTML, Markdown, CSV, JSON), deliver, schedule."""
