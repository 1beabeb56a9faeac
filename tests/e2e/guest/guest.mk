# Make fragment: the C programs the sound end-to-end tests run in the guest
# of the VM bench (libasound). Included from the top-level Makefile:
#
#     include tests/e2e/guest/guest.mk
#
# or used alone: make -f tests/e2e/guest/guest.mk e2e-guest-progs
#
# Targets:
#   e2e-guest-progs  build/tests/e2e/snd-pace   (tests/e2e/snd-two-cards.test)
#                    build/tests/e2e/snd-pause  (tests/e2e/snd-pause.test)
# and `all' depends on it. Uses BUILD, CC, CFLAGS, LDFLAGS of the including
# Makefile when set.

BUILD ?= build
CC ?= cc
E2E_CFLAGS_BASE = -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wvla \
	-D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE -O2 -g
E2E_CFLAGS = $(if $(CFLAGS),$(CFLAGS),$(E2E_CFLAGS_BASE))
E2E_LDFLAGS = $(if $(LDFLAGS),$(LDFLAGS),-pie -Wl,-z,relro,-z,now)

E2E_GUEST_SRC = tests/e2e/guest
E2E_GUEST_DIR = $(BUILD)/tests/e2e
# Objects of their own (wav.c compiled here too), so this fragment needs no
# rule of the including Makefile.
E2E_GUEST_OBJ = $(E2E_GUEST_DIR)/obj
E2E_GUEST_PROGS = $(E2E_GUEST_DIR)/snd-pace $(E2E_GUEST_DIR)/snd-pause
E2E_GUEST_COMMON = $(E2E_GUEST_OBJ)/snd_play.o $(E2E_GUEST_OBJ)/num_opts.o $(E2E_GUEST_OBJ)/wav.o

.PHONY: e2e-guest-progs
all: e2e-guest-progs
e2e-guest-progs: $(E2E_GUEST_PROGS)

$(E2E_GUEST_OBJ)/%.o: $(E2E_GUEST_SRC)/%.c $(E2E_GUEST_SRC)/snd_play.h $(E2E_GUEST_SRC)/num_opts.h \
		tests/tools/wav.h
	@mkdir -p $(@D)
	$(CC) $(E2E_CFLAGS) -Itests/tools -c -o $@ $<

$(E2E_GUEST_OBJ)/wav.o: tests/tools/wav.c tests/tools/wav.h
	@mkdir -p $(@D)
	$(CC) $(E2E_CFLAGS) -c -o $@ $<

$(E2E_GUEST_PROGS): $(E2E_GUEST_DIR)/%: $(E2E_GUEST_OBJ)/%.o $(E2E_GUEST_COMMON)
	$(CC) $(E2E_LDFLAGS) -o $@ $^ -lasound -lm -pthread
