# Make fragment: the ASan+UBSan build of all user space and its checks,
# included by the top-level Makefile. Documented, not part of make check (the
# end-to-end suite under sanitizers takes most of an hour under TCG).
#
#   make sanitize         every user-space program, unit test, test tool and
#                         guest test program with -fsanitize=address,undefined
#                         into build/asan/ (the normal build/ is untouched),
#                         plus a copy of the normal build's virtio_loopback.ko
#                         (the module is kernel code: no user-space sanitizer)
#   make check-sanitize   the unit tests, then the end-to-end tests
#                         (SANITIZE_E2E, default: all) in the VM bench with
#                         build/asan seen as build/ in the guest; any
#                         sanitizer report anywhere in the guest fails the test
#                         (tests/vm/run, VLO_SANITIZE=1)
#
# The flags go in through CC, because every sub-Makefile (sound-backend/,
# adapter/, tests/transport/, the guest programs) compiles and links with CC
# but each has flags of its own. CC is a one-word wrapper script
# (build/asan/cc-sanitize), since some rules pass CC=$(CC) on unquoted.
# -fno-sanitize-recover=all: the first UBSan finding ends the process
# instead of printing and going on.

SAN_BUILD = $(abspath $(BUILD))/asan
SAN_FLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
SAN_CC = $(SAN_BUILD)/cc-sanitize
# What `all' builds, without the module (kbuild must not get a sanitizing CC).
SAN_TARGETS = tools unit-tests transport-tests snd-lib snd-backend snd-guest-progs \
	e2e-guest-progs $(SAN_BUILD)/adapter/virtio-loopback-adapter zone-router policy hostile
SAN_MODULE = driver-$(BENCH_KVER)
# detect_leaks: LeakSanitizer at every exit; abort_on_error and halt_on_error:
# the first finding kills the process (a test sees it die).
SAN_ENV = ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
SANITIZE_E2E ?=

.PHONY: sanitize check-sanitize check-sanitize-unit

sanitize: setup module
	@mkdir -p $(SAN_BUILD)
	printf '#!/bin/sh\nexec %s %s "$$@"\n' '$(CC)' '$(SAN_FLAGS)' >$(SAN_CC).tmp
	chmod +x $(SAN_CC).tmp && mv $(SAN_CC).tmp $(SAN_CC)
	$(MAKE) --no-print-directory $(SAN_TARGETS) BUILD=$(SAN_BUILD) CC=$(SAN_CC) \
		SAN_INNER=1
	$(MAKE) --no-print-directory -C tests/transport BUILD=$(SAN_BUILD)/tests-transport \
		CC=$(SAN_CC)
	rm -rf $(SAN_BUILD)/$(SAN_MODULE)
	mkdir -p $(SAN_BUILD)/$(SAN_MODULE)
	cp $(abspath $(BUILD))/$(SAN_MODULE)/virtio_loopback.ko $(SAN_BUILD)/$(SAN_MODULE)/

SAN_UNIT_TESTS = $(patsubst $(abspath $(BUILD))/%,$(SAN_BUILD)/%,$(abspath $(UNIT_TESTS)))
check-sanitize-unit: sanitize
	@set -e; for t in $(SAN_UNIT_TESTS); do echo "== asan $$t"; $(SAN_ENV) $$t; done

check-sanitize: check-sanitize-unit
	VLO_BUILD=build/asan VLO_SANITIZE=1 BUILD=build/asan tests/e2e/run-all $(SANITIZE_E2E)
