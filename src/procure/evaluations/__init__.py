"""Committee evaluations (居委会评估) against weighted rubrics."""
