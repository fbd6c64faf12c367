"""The service catalog (购买服务目录): what a government may buy, in five categories."""
