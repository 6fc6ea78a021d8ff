"""Pages: watchlists listed, shown, edited, imported into, soft-deleted and restored."""
