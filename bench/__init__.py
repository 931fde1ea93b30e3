"""Benchmarks of Descent (not tests): ``python bench/run.py`` measures build, run, widget and optimizer speed."""
