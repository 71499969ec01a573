"""importers of Pledgebook."""
