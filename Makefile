# The two commands of the README.
.PHONY: run test lint bench

run:  ## set up and start Kosha on the embedded default (SQLite, LanceDB, ladybug, local blobs)
	scripts/bootstrap
	scripts/web --no-browser
	.venv/bin/kosha serve

test:  ## set up and run every test (PostgreSQL tests run when 127.0.0.1:5432 answers)
	scripts/bootstrap --dev
	scripts/web
	scripts/services
	.venv/bin/ruff check src tests bench
	.venv/bin/python -m pytest $(PYTEST_ARGS)

bench:
	scripts/bootstrap --dev
	.venv/bin/python bench/index_django.py
