"""Challenges (质疑) to the buyer and complaints (投诉) to the finance department, with the
suspension of a procurement (暂停采购活动): 财政部令第94号."""
