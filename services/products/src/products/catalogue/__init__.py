"""The catalogue's reads: the public queries (`queries`) and what they keep in Redis (`cache`)."""
