"""Prices and costs: price rows, what a workload costs, the calculator and the usage replay."""
