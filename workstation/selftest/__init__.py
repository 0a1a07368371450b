"""Headless self-tests (`main.py --self-test`, `--role teamlead --self-test`) on one harness."""
