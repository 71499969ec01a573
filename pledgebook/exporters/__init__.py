"""exporters of Pledgebook."""
