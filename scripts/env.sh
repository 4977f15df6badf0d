# Sourced by run.sh and test.sh: the tools setup.sh installed, first on PATH.
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
