"""HTML pages: thin handlers over the same services and selectors as the JSON API."""
