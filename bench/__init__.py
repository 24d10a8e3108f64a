"""The benchmark harness (`python -m bench`) and other measurements that are not tests."""
