"""Districts, sub-districts (街道) and communities (社区) with their neighborhood committees."""
