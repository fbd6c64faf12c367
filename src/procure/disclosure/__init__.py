"""Public disclosure (信息公开): what anyone may read about the purchases, without signing in."""
