"""The risk engine: principal-agent red flags with their evidence."""
