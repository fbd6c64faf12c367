"""Contracts (合同) from awards: scope lines, milestones, payments and amendments."""
