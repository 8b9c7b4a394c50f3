# Myelin: the two commands of the README.
#   make demo   installs what is missing, builds in release mode, runs the default job
#   make test   installs what is missing and runs every test
SWIFT ?= swift
DEB_PACKAGES := libopenblas-dev libhdf5-dev libpng-dev zlib1g-dev pkg-config dataset-fashion-mnist
DEMO_MODEL := examples/brunel-g5-eta2.json

.PHONY: demo test deps build bench clean

demo: deps
	$(SWIFT) build -c release --product myelin
	.build/release/myelin run $(DEMO_MODEL) --threads 2 --output traces/demo-brunel.h5 --force
	.build/release/myelin inspect traces/demo-brunel.h5
	.build/release/myelin plot raster traces/demo-brunel.h5 --from 800 --to 1000 --neurons 0:100 -o traces/demo-brunel-raster.svg --force
	.build/release/myelin plot raster traces/demo-brunel.h5 --from 800 --to 1000 --neurons 0:100 -o traces/demo-brunel-raster.png --force
	.build/release/myelin plot rate traces/demo-brunel.h5 -o traces/demo-brunel-rate.svg --force

test: deps
	$(SWIFT) build -c release
	$(SWIFT) test -c release

build: deps
	$(SWIFT) build -c release

# Benchmarks of docs/benchmarks.md (not part of `make test`).
bench: build
	.build/release/myelin bench cuba --threads 1
	.build/release/myelin bench coba --threads 1
	.build/release/myelin bench brunel --threads 1 --repeats 3
	.build/release/myelin bench brunel --threads 2 --repeats 3
	.build/release/myelin bench memory

# Installs the Debian packages that are missing; without root it prints the command.
deps:
	@missing=""; \
	for p in $(DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else \
	    echo "missing packages; run: sudo apt-get install -y$$missing" >&2; exit 1; \
	  fi; \
	fi

clean:
	rm -rf .build
