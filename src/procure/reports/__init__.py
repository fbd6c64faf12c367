"""Service reports (服务报告): what the organization says it delivered, per period."""
