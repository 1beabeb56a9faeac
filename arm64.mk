# Make fragment: the arm64 (R-Car H3) cross build and its checks, included by
# the top-level Makefile. See docs/arm64.md.
#
#   make arm64            (or make ARCH=arm64) every program, unit test and
#                         virtio_loopback.ko for arm64, in build/arm64/ (the
#                         x86 outputs in build/ are untouched); installs what
#                         is missing first (make setup-arm64)
#   make arm64 KDIR=DIR   the module against another arm64 kernel build tree
#                         (a board's kernel, e.g. the R-Car H3's)
#   make setup-arm64      only install/prepare what is missing (cross compiler,
#                         :arm64 -dev packages, Debian's arm64 kernel unpacked,
#                         the arm64 guest's root filesystem): scripts/setup-arm64
#   make check-arm64      the arm64 unit tests and every arm64 end-to-end test
#                         (tests/e2e/arm64-*.test, the slow ones included),
#                         all in the arm64 VM bench
#
# `make check` runs the arm64 unit tests, and its end-to-end run
# (tests/e2e/run-all, which includes tests/e2e/arm64-*.test) gets the arm64
# build first. Fuzzers are not cross-built: they are host tools, and the
# parsers they exercise are the same C on both architectures.

ARM64_BUILD = $(abspath $(BUILD))/arm64
ARM64_CROSS = aarch64-linux-gnu-
# pkg-config must answer for the :arm64 libraries, not the host's.
ARM64_PKG_ENV = PKG_CONFIG_LIBDIR=/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig \
	PKG_CONFIG_PATH=
# The module's kernel: KDIR from the command line (a board's kernel), else
# Debian's arm64 headers of the bench kernel's version, prepared by setup-arm64.
ARM64_KDIR = $(if $(filter command line,$(origin KDIR)),$(KDIR),$(shell scripts/setup-arm64 --kdir))
ARM64_E2E = $(basename $(notdir $(wildcard tests/e2e/arm64-*.test)))

.PHONY: arm64 setup-arm64 check-arm64 check-arm64-unit

# `make ARCH=arm64` is `make arm64` (not in the build below, which passes
# ARCH=arm64 on to kbuild and has setup-arm64 done already).
ifeq ($(ARCH)$(ARM64_INNER),arm64)
.DEFAULT_GOAL := arm64
setup: setup-arm64
endif

setup-arm64:
	@scripts/setup-arm64

# The same Makefiles as the x86 build, driven with the cross compiler and an
# absolute BUILD (the sub-Makefiles resolve a relative one from their own
# folder). ARCH and CROSS_COMPILE reach kbuild through the module target.
# tests/transport is built once more into the place its guest scripts look
# (build/tests-transport/, seen so in the arm64 guest); `all' puts a copy
# directly in build/arm64/ because it passes BUILD down unchanged.
arm64: setup-arm64
	$(ARM64_PKG_ENV) $(MAKE) --no-print-directory all BUILD=$(ARM64_BUILD) \
		CC=$(ARM64_CROSS)gcc AR=$(ARM64_CROSS)ar ARCH=arm64 CROSS_COMPILE=$(ARM64_CROSS) \
		KDIR=$(ARM64_KDIR) ARM64_INNER=1
	$(MAKE) --no-print-directory -C tests/transport BUILD=$(ARM64_BUILD)/tests-transport \
		CC=$(ARM64_CROSS)gcc

# The arm64 unit tests run in the arm64 guest (one boot, about 20 s), not
# through qemu-user on this machine: qemu-user adds a thread of its own to
# every process, which the zone policy's thread tests see (test_policy_apply
# fails there and passes on an arm64 kernel). Paths are the guest's: build/
# there is build/arm64.
ARM64_UNIT_TESTS = $(patsubst $(abspath $(BUILD))/%,build/%,$(abspath $(UNIT_TESTS)))
check-arm64-unit: arm64
	tests/vm/run --arch arm64 --timeout 400 -- sh -c \
		'for t; do echo "== arm64 $$t"; "$$t" || exit 1; done' sh $(ARM64_UNIT_TESTS)

# VLO_ARM64_FULL=1: the slow ones too (arm64-bench, arm64-snd-eight-cards),
# which make check's end-to-end run skips.
check-arm64: check-arm64-unit
	VLO_ARM64_FULL=1 tests/e2e/run-all $(ARM64_E2E)

check: check-arm64-unit
check-e2e: arm64
