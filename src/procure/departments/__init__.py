"""Buying departments (购买主体): district bureaus and sub-district offices."""
