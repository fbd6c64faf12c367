"""Evaluation committees (评标委员会/评审小组): the finance department's expert pool, the random
draw, conflict-of-interest declarations (回避), and the committee's own decisions."""
