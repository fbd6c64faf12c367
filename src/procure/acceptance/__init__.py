"""履约验收: the buyer's acceptance of a contract or a stage of it, with service recipients."""
