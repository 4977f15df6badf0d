.PHONY: run test watch bench mutants

## Install what is missing, then serve the app at http://127.0.0.1:3000 (SQLite store).
run:
	@scripts/run.sh

## Run every test (installs what the tests need, e.g. Debian's chromium).
test:
	@scripts/test.sh

## Development: rebuild and reload the page on every save.
watch:
	@scripts/run.sh watch

## Measure: our app on every store against the Flask seed; writes bench/RESULTS.md.
bench:
	@bench/run

## Break the security core's code one change at a time and see the tests fail (hours; `make mutants ARGS="--shard 0/4"`).
mutants:
	@scripts/mutants.sh $(ARGS)
