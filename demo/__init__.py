"""The demo `make run` shows (demo.toml, loaded by loader.py through the services, as real use
would), and `manage.py generate_load_data`, the large synthetic data set the benchmarks use.

The top layer with pages and api: it may use every app, and no app uses it.
"""
