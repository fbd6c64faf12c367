"""Backups and restores of the whole database, with the key versions its sealed bids need."""
