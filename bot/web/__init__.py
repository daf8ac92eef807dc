"""The web server: `culturebot run`, health and metrics endpoints, limits, dashboard pages and charts."""
