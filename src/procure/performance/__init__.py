"""Performance evaluation (绩效评价): committee, residents and delivery, combined per period."""
