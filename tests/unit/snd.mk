# Make fragment: unit tests (cmocka) and the libFuzzer target of the sound
# device model (sound-backend/). Include it from the top-level Makefile
# after UNIT_TESTS is defined and before the `unit-tests:' rule:
#
#     include tests/unit/snd.mk
#
# It appends its tests to UNIT_TESTS (so unit-tests / check-unit build and run
# them) and adds these targets:
#   snd-lib          build/sound-backend/libsnddev.a (via sound-backend/Makefile)
#   snd-unit-tests   the test programs (and the guest program below)
#   snd-guest-progs  build/tests/e2e/snd-end-alsa-test and snd-jack-ctl (run
#                    in the VM bench) and the backend below (the e2e tests run it)
#   snd-backend      build/sound-backend/vhost-user-sound (sound-backend/Makefile
#                    "backend"; links build/lib/libvirtqueue.a, built first)
#   check-snd-unit   run them
# and registers the fuzz targets snd_ctl and vhost_user_backend in FUZZERS
# (run by check-fuzz).
# Uses BUILD, CC, CFLAGS, LDFLAGS from the including Makefile when set.

BUILD ?= build
CC ?= cc
LDFLAGS ?= -pie -Wl,-z,relro,-z,now
SND_CFLAGS_BASE ?= -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wvla \
	-D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE -O2 -g
SND_UNIT_CFLAGS = $(if $(CFLAGS),$(CFLAGS),$(SND_CFLAGS_BASE))

SND_DIR = sound-backend
SND_LIB = $(BUILD)/sound-backend/libsnddev.a
SND_UNIT_DIR = $(BUILD)/tests/unit
SND_CMOCKA_LIBS = $(shell pkg-config --libs cmocka 2>/dev/null || echo -lcmocka)
SND_PROTO_CPPFLAGS := $(shell printf '\#include <linux/virtio_snd.h>\nint x = VIRTIO_SND_R_CTL_INFO;\n' | \
	$(CC) -x c -c -o /dev/null - 2>/dev/null && echo -DSND_PROTO_UAPI_HAS_CTLS=1)

SND_IO_LIB = $(BUILD)/sound-backend/libsndio.a
SND_UNIT_TESTS = $(SND_UNIT_DIR)/test_snd_format $(SND_UNIT_DIR)/test_snd_stream \
	$(SND_UNIT_DIR)/test_snd_ctl $(SND_UNIT_DIR)/test_snd_ends $(SND_UNIT_DIR)/test_snd_io \
	$(SND_UNIT_DIR)/test_snd_gain $(SND_UNIT_DIR)/test_snd_jack $(SND_UNIT_DIR)/test_snd_cli \
	$(SND_UNIT_DIR)/test_snd_fd_wait
UNIT_TESTS += $(SND_UNIT_TESTS)

.PHONY: snd-lib snd-unit-tests check-snd-unit snd-guest-progs

# The library has its own Makefile; always ask it (it knows its sources).
snd-lib:
	$(MAKE) -C $(SND_DIR) BUILD=$(abspath $(BUILD)) CC=$(CC)

$(SND_LIB): snd-lib ;

$(SND_UNIT_DIR)/test_snd_%.o: tests/unit/test_snd_%.c $(wildcard $(SND_DIR)/*.h) \
		tests/unit/test_snd_fake_end.h
	@mkdir -p $(@D)
	$(CC) $(SND_UNIT_CFLAGS) $(SND_PROTO_CPPFLAGS) -I$(SND_DIR) -Itests/unit -c -o $@ $<

$(SND_UNIT_DIR)/test_snd_format: $(SND_UNIT_DIR)/test_snd_format.o $(SND_LIB)
	$(CC) $(LDFLAGS) -o $@ $< $(SND_LIB) $(SND_CMOCKA_LIBS) -lasound
$(SND_UNIT_DIR)/test_snd_stream: $(SND_UNIT_DIR)/test_snd_stream.o \
		$(SND_UNIT_DIR)/test_snd_fake_end.o $(SND_LIB)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(SND_LIB) $(SND_CMOCKA_LIBS)
$(SND_UNIT_DIR)/test_snd_ctl: $(SND_UNIT_DIR)/test_snd_ctl.o \
		$(SND_UNIT_DIR)/test_snd_fake_end.o $(SND_LIB)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(SND_LIB) $(SND_CMOCKA_LIBS)

$(SND_UNIT_DIR)/test_snd_jack: $(SND_UNIT_DIR)/test_snd_jack.o \
		$(SND_UNIT_DIR)/test_snd_fake_end.o $(SND_LIB)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(SND_LIB) $(SND_CMOCKA_LIBS)

# The ends and the I/O layer (libsndio.a: -lasound -pthread).
$(SND_IO_LIB): snd-lib ;
$(SND_UNIT_DIR)/test_snd_ends: $(SND_UNIT_DIR)/test_snd_ends.o $(SND_IO_LIB) $(SND_LIB) \
		$(BUILD)/lib/libvirtqueue.a
	$(CC) $(LDFLAGS) -o $@ $< $(SND_IO_LIB) $(SND_LIB) $(BUILD)/lib/libvirtqueue.a \
		$(SND_CMOCKA_LIBS) -lasound -pthread -lm
$(SND_UNIT_DIR)/test_snd_io: $(SND_UNIT_DIR)/test_snd_io.o $(SND_IO_LIB) $(SND_LIB) \
		$(BUILD)/lib/libvirtqueue.a
	$(CC) $(LDFLAGS) -o $@ $< $(SND_IO_LIB) $(SND_LIB) $(BUILD)/lib/libvirtqueue.a \
		$(SND_CMOCKA_LIBS) -lasound -pthread -lm

$(SND_UNIT_DIR)/test_snd_gain: $(SND_UNIT_DIR)/test_snd_gain.o $(SND_IO_LIB) $(SND_LIB)
	$(CC) $(LDFLAGS) -o $@ $< $(SND_IO_LIB) $(SND_LIB) $(SND_CMOCKA_LIBS) -lasound -lm

$(SND_UNIT_DIR)/test_snd_fd_wait: $(SND_UNIT_DIR)/test_snd_fd_wait.o $(SND_IO_LIB)
	$(CC) $(LDFLAGS) -o $@ $< $(SND_IO_LIB) $(SND_CMOCKA_LIBS)

# The backend's command line (vus_cli.o) and the program itself (run by the test).
SND_BACKEND_BIN = $(BUILD)/sound-backend/vhost-user-sound
$(SND_BACKEND_BIN): snd-backend ;
$(SND_UNIT_DIR)/test_snd_cli.o: SND_PROTO_CPPFLAGS += -DVUS_BIN='"$(abspath $(SND_BACKEND_BIN))"'
$(SND_UNIT_DIR)/test_snd_cli: $(SND_UNIT_DIR)/test_snd_cli.o $(SND_BACKEND_BIN) $(SND_LIB)
	$(CC) $(LDFLAGS) -o $@ $< $(BUILD)/sound-backend/vus_cli.o $(SND_LIB) $(SND_CMOCKA_LIBS)

# Guest-side program of the VM bench (tests/e2e/snd-end-alsa.test).
SND_GUEST_DIR = $(BUILD)/tests/e2e
SND_GUEST_PROGS = $(SND_GUEST_DIR)/snd-end-alsa-test
$(SND_GUEST_DIR)/snd-end-alsa-test: tests/e2e/guest/snd-end-alsa-test.c $(SND_IO_LIB) $(SND_LIB) \
		$(BUILD)/lib/libvirtqueue.a $(wildcard $(SND_DIR)/*.h)
	@mkdir -p $(@D)
	$(CC) $(SND_UNIT_CFLAGS) $(SND_PROTO_CPPFLAGS) -I$(SND_DIR) $(LDFLAGS) -o $@ $< \
		$(SND_IO_LIB) $(SND_LIB) $(BUILD)/lib/libvirtqueue.a -lasound -pthread -lm
# Adds/sets a user-defined jack control (tests/e2e/snd-jack.test).
SND_GUEST_PROGS += $(SND_GUEST_DIR)/snd-jack-ctl
$(SND_GUEST_DIR)/snd-jack-ctl: tests/e2e/guest/snd-jack-ctl.c
	@mkdir -p $(@D)
	$(CC) $(SND_UNIT_CFLAGS) $(LDFLAGS) -o $@ $< -lasound
snd-guest-progs: $(SND_GUEST_PROGS) snd-backend

# The vhost-user-sound process. libvirtqueue.a comes from the including
# Makefile's rule when it has one (the top level), else sound-backend/Makefile
# builds it.
.PHONY: snd-backend
snd-backend: snd-lib $(if $(VQ_OBJS),$(BUILD)/lib/libvirtqueue.a)
	$(MAKE) -C $(SND_DIR) BUILD=$(abspath $(BUILD)) CC=$(CC) backend

snd-unit-tests: $(SND_UNIT_TESTS) $(SND_GUEST_PROGS)

check-snd-unit: snd-unit-tests
	@set -e; for t in $(SND_UNIT_TESTS); do echo "== $$t"; $$t; done

# --- libFuzzer target (built with the top-level Makefile's FUZZ_* settings):
# the library sources are compiled in, instrumented.
SND_FUZZ_SRCS = tests/fuzz/fuzz_snd_ctl.c $(addprefix $(SND_DIR)/,snd_format.c snd_stream.c \
	snd_events.c snd_controls.c snd_device.c snd_ctl.c)

$(FUZZ_DIR)/fuzz_snd_ctl: $(SND_FUZZ_SRCS) $(wildcard $(SND_DIR)/*.h)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(SND_PROTO_CPPFLAGS) -I$(SND_DIR) -o $@ $(SND_FUZZ_SRCS)

FUZZERS += snd_ctl

# --- lib/vhost-user's backend server (vhost_user_backend.c), with libvirtqueue.
# (VHU_LIB comes later from adapter.mk: name the same path here.)
SND_VHU_LIB = $(abspath $(BUILD))/lib/libvhu.a
SND_VQ_LIB = $(BUILD)/lib/libvirtqueue.a
UNIT_TESTS += $(SND_UNIT_DIR)/test_vhost_user_backend
$(SND_UNIT_DIR)/test_vhost_user_backend: tests/unit/test_vhost_user_backend.c $(SND_VHU_LIB) \
		$(SND_VQ_LIB) lib/vhost-user/vhost_user_backend.h lib/vhost-user/vhost_user_guard.h
	@mkdir -p $(@D)
	$(CC) $(SND_UNIT_CFLAGS) -Ilib/vhost-user -Ilib/virtqueue $(LDFLAGS) -o $@ $< \
		$(SND_VHU_LIB) $(SND_VQ_LIB) $(SND_CMOCKA_LIBS) -pthread

# --- libFuzzer target: the vhost-user backend server with the sound device
# behind it (tests/fuzz/fuzz_vhost_user_backend.c), all sources instrumented.
SND_VHU_FUZZ_SRCS = tests/fuzz/fuzz_vhost_user_backend.c \
	$(addprefix lib/vhost-user/,vhost_user_msg.c vhost_user_io.c vhost_user_backend.c \
		vhost_user_guard.c) \
	$(wildcard lib/virtqueue/*.c) \
	$(addprefix $(SND_DIR)/,snd_format.c snd_stream.c snd_events.c snd_controls.c \
		snd_device.c snd_ctl.c end_pace.c end_null.c end_wav.c end_alsa.c snd_ends.c \
		snd_gain.c fd_wait.c snd_io.c snd_jackmap.c host_jacks.c vus_device.c)

$(FUZZ_DIR)/fuzz_vhost_user_backend: $(SND_VHU_FUZZ_SRCS) $(wildcard $(SND_DIR)/*.h) \
		$(wildcard lib/vhost-user/*.h) $(wildcard lib/virtqueue/*.h)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(SND_PROTO_CPPFLAGS) -I$(SND_DIR) -Ilib/vhost-user \
		-Ilib/virtqueue -pthread -o $@ $(SND_VHU_FUZZ_SRCS) -lasound -lm

FUZZERS += vhost_user_backend
