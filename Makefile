.PHONY: run test

## Install what is missing, then serve the app at http://127.0.0.1:3000 (SQLite store).
run:
	@scripts/run.sh

## Run every test (installs what the tests need, e.g. Debian's chromium).
test:
	@scripts/test.sh
