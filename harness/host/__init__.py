"""The host side: reads reports from many environments and compares and presents them (terminal,
Markdown, HTML). It never imports a framework and may use what the host's Python has."""
