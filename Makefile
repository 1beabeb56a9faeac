# virtio-loopback audio partitioning: top-level build.
#
#   make            build all user-space programs and the kernel module for the
#                   bench kernel (Debian 6.12); installs missing packages first
#   make KDIR=DIR   build the module against another kernel build tree
#   make check      every test: module against 6.1 and 6.12 headers (W=1, no
#                   warnings), checkpatch, unit tests (cmocka), fuzzers for
#                   FUZZ_SECONDS each, end-to-end tests in the VM bench
#   make demo       the main job in the VM bench
#   make bench      benchmarks (docs/performance.md), not part of make check;
#                   make check-bench-plot (in make check) tests their plots
#   make check-sanitize  unit and end-to-end tests with ASan+UBSan (sanitize.mk)
#   make soak-zones SOAK_MINUTES=30  four zones under zonectl changes, RSS/fds flat
#   make soak-faults FAULT_ITERATIONS=100  backend/adapter killed at random moments
#   make setup      only install what is missing (Debian packages, kernels)
#   make clean

BUILD ?= build

# Packages before anything else is read: several variables below ask
# pkg-config when make parses them, so on a fresh machine a setup run as a
# prerequisite would come too late (make demo failed with spa/utils/json.h
# missing). Make builds this included stamp first, running setup-host, and
# then reads the makefiles again. `make setup` still reruns it on demand.
ifeq ($(filter setup clean,$(MAKECMDGOALS)),)
include $(BUILD)/.setup-done.mk
endif
$(BUILD)/.setup-done.mk: scripts/setup-host
	@scripts/setup-host
	@mkdir -p $(@D)
	@echo '# scripts/setup-host succeeded; this stamp makes make rerun it when it changes' > $@
# The bench kernel, chosen among the installed ones (newest 6.12+deb12).
BENCH_KVER = $(shell scripts/bench-kernel 2>/dev/null)
KDIR ?= /lib/modules/$(BENCH_KVER)/build

CC ?= cc
CSTD = -std=c11 -D_GNU_SOURCE
WARN = -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wvla
HARDEN = -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
OPT ?= -O2 -g
CFLAGS += $(CSTD) $(WARN) $(HARDEN) $(OPT)
LDFLAGS += -pie -Wl,-z,relro,-z,now

TOOLS_DIR = $(BUILD)/tests/tools
TOOLS = $(TOOLS_DIR)/wavgen $(TOOLS_DIR)/wavcmp $(TOOLS_DIR)/wavstat
UNIT_DIR = $(BUILD)/tests/unit
UNIT_TESTS = $(UNIT_DIR)/test_wav $(UNIT_DIR)/test_vq
LIB_DIR = $(BUILD)/lib
# libFuzzer targets (clang, ASan+UBSan); each has a corpus in tests/fuzz/corpus/NAME/
FUZZ_DIR = $(BUILD)/tests/fuzz
FUZZ_CC = clang
FUZZ_CFLAGS = -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -g -O1 \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_SECONDS ?= 20
FUZZERS = vq vhost_user_msg
VQ_OBJS = $(LIB_DIR)/virtqueue/vq_mem.o $(LIB_DIR)/virtqueue/vq_iov.o \
	$(LIB_DIR)/virtqueue/vq_split.o

.PHONY: all setup tools unit-tests module module-compat transport-tests lint check hostile \
	check-unit check-fuzz fuzzers check-e2e demo bench soak-zones soak-faults clean
.DEFAULT_GOAL := all

all: setup tools unit-tests module transport-tests snd-lib snd-backend snd-guest-progs $(ADAPTER_BIN) \
	hostile

# Idempotent and quick when nothing is missing; see scripts/setup-host.
setup:
	@scripts/setup-host

# --- test tools (run in the guest by the end-to-end tests)
$(BUILD)/tests/tools/%.o: tests/tools/%.c tests/tools/*.h | setup
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c -o $@ $<

$(TOOLS_DIR)/wavgen: $(TOOLS_DIR)/wavgen.o $(TOOLS_DIR)/wav.o
	$(CC) $(LDFLAGS) -o $@ $^ -lm
$(TOOLS_DIR)/wavcmp: $(TOOLS_DIR)/wavcmp.o $(TOOLS_DIR)/wav.o $(TOOLS_DIR)/wavalign.o
	$(CC) $(LDFLAGS) -o $@ $^ -lm
$(TOOLS_DIR)/wavstat: $(TOOLS_DIR)/wavstat.o $(TOOLS_DIR)/wav.o
	$(CC) $(LDFLAGS) -o $@ $^ -lm

tools: $(TOOLS)

# --- libraries shared by the vhost-user programs
$(LIB_DIR)/virtqueue/%.o: lib/virtqueue/%.c lib/virtqueue/*.h | setup
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c -o $@ $<

$(LIB_DIR)/libvirtqueue.a: $(VQ_OBJS)
	$(AR) rcs $@ $^

# --- unit tests (cmocka)
CMOCKA_LIBS = $(shell pkg-config --libs cmocka 2>/dev/null || echo -lcmocka)

$(UNIT_DIR)/%.o: tests/unit/%.c | setup
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Itests/tools -Ilib/virtqueue -c -o $@ $<

$(UNIT_DIR)/test_wav: $(UNIT_DIR)/test_wav.o $(TOOLS_DIR)/wav.o $(TOOLS_DIR)/wavalign.o
	$(CC) $(LDFLAGS) -o $@ $^ $(CMOCKA_LIBS) -lm

$(UNIT_DIR)/test_vq: $(UNIT_DIR)/test_vq.o $(LIB_DIR)/libvirtqueue.a
	$(CC) $(LDFLAGS) -o $@ $^ $(CMOCKA_LIBS)

include tests/unit/snd.mk
# guest programs of the sound end-to-end tests (snd-pace, snd-pause)
include tests/e2e/guest/guest.mk
# adapter/ and lib/vhost-user/ (their Makefiles come in through adapter.mk)
include tests/unit/adapter.mk
# the zone router (PipeWire) and its probe; policy/policy.mk includes it too
include policy/router.mk
# the zone policy daemon vlo-zoned and zonectl, their unit tests and fuzzers
include policy/policy.mk
UNIT_TESTS += $(ADAPTER_UNIT_TESTS)
# a vhost-user-blk backend that misbehaves on purpose (tests/e2e/hostile-backend.test)
HOSTILE = $(BUILD)/tests/hostile/vhost-user-hostile
$(HOSTILE): tests/hostile/vhost-user-hostile.c lib/vhost-user/*.h lib/virtqueue/*.h $(VHU_LIB) \
		$(LIB_DIR)/libvirtqueue.a | setup
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Ilib/vhost-user -Ilib/virtqueue $(LDFLAGS) -o $@ $< $(VHU_LIB) \
		$(LIB_DIR)/libvirtqueue.a -pthread
hostile: $(HOSTILE)
# make install, install-dkms, lint-units (the appliance: systemd units, udev, DKMS)
include units/install.mk

unit-tests: $(UNIT_TESTS)

# --- fuzz targets
$(FUZZ_DIR)/fuzz_vq: tests/fuzz/fuzz_vq.c lib/virtqueue/*.c lib/virtqueue/*.h | setup
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Ilib/virtqueue -o $@ tests/fuzz/fuzz_vq.c lib/virtqueue/*.c

$(FUZZ_DIR)/fuzz_vhost_user_msg: tests/fuzz/fuzz_vhost_user_msg.c lib/vhost-user/*.c \
		lib/vhost-user/*.h | setup
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Ilib/vhost-user -o $@ tests/fuzz/fuzz_vhost_user_msg.c \
		lib/vhost-user/vhost_user_msg.c

fuzzers: $(addprefix $(FUZZ_DIR)/fuzz_,$(FUZZERS))

# Each fuzzer runs FUZZ_SECONDS on a copy of its corpus; any finding fails.
check-fuzz: fuzzers
	@set -e; for f in $(FUZZERS); do tests/fuzz/run $(BUILD) $$f $(FUZZ_SECONDS); done

# --- kernel module (driver/ has its own Makefile; output in build/driver-<kernel>/)
module: setup
	$(MAKE) -C driver modules KDIR=$(KDIR)

# Builds against the newest installed 6.1 and 6.12 headers; fails if either fails.
module-compat: setup
	$(MAKE) -C driver compat

# Guest-side programs that exercise the module's uapi directly.
transport-tests: setup
	$(MAKE) -C tests/transport

# checkpatch --strict on the driver (checkpatch comes from linux-source-6.12).
lint: setup
	$(MAKE) -C driver lint KDIR=$(KDIR)
	scripts/lint/user

# --- tests
check: all module-compat lint check-unit check-bench-plot check-fuzz check-e2e

check-unit: unit-tests
	@set -e; for t in $(UNIT_TESTS); do echo "== $$t"; $$t; done

check-e2e: all
	tests/e2e/run-all

# the arm64 (R-Car H3) cross build and its checks: make arm64, make check-arm64
include arm64.mk
# the ASan+UBSan build of user space: make sanitize, make check-sanitize
include sanitize.mk

demo: all
	scripts/demo

# Benchmarks (not tests): tables of medians and ratios; see docs/performance.md.
# make bench [BENCH=NAME [BENCH_ARGS=...]]: bench.mk
include bench.mk

# The long run of the appliance (not a test of make check): four zones playing
# for SOAK_MINUTES (default 30) under zonectl changes; RSS and fds must stay
# flat. See docs/robustness.md.
soak-zones: all
	scripts/soak-zones

# Fault injection at length (not in make check, which runs 6 iterations):
# the sound backend or the adapter SIGKILLed at random moments of device
# setup and playback, FAULT_ITERATIONS times; FAULT_SEED=N replays a run.
soak-faults: FAULT_ITERATIONS ?= 100
soak-faults: all
	FAULT_ITERATIONS=$(FAULT_ITERATIONS) tests/e2e/fault-kill.test

clean:
	rm -rf $(BUILD)
	-$(MAKE) -C driver clean
	-$(MAKE) -C tests/transport clean
	-$(MAKE) -C sound-backend clean BUILD=$(abspath $(BUILD))
