"""PDF documents of procurement: templates/pdf/ rendered by WeasyPrint with embedded CJK fonts."""
