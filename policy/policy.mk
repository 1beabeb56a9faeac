# Make fragment: the zone policy daemon vlo-zoned and its CLI zonectl
# (policy/), their unit tests and fuzzers. Included by the top-level Makefile
# after UNIT_TESTS and FUZZERS are defined and before the rules that use them.
#
# Targets:
#   policy            build/policy/vlo-zoned and build/policy/zonectl (part of `all')
#   policy-unit-tests build/tests/unit/test_policy_* (also in UNIT_TESTS)
#   check-policy-unit run them
# Fuzzers zone_config and zone_set are added to FUZZERS.
#
# The PipeWire router: C1's policy/router.mk sets ZONE_ROUTER_SRCS and
# ZONE_ROUTER_LIBS (and its objects ZONE_ROUTER_OBJS); while
# policy/zone_router.c is absent, policy/zone_router_stub.c (routes nothing)
# is linked instead.

-include policy/router.mk

POLICY_OBJ = $(BUILD)/policy/obj
POLICY_BIN = $(BUILD)/policy
POLICY_SPA_CFLAGS := $(subst -I,-isystem ,$(shell pkg-config --cflags libspa-0.2 2>/dev/null))
POLICY_SD_LIBS := $(shell pkg-config --libs libsystemd 2>/dev/null || echo -lsystemd)
POLICY_HDRS = $(wildcard policy/*.h)

# The pure parts (no bus): config, cpu lists, Set/Route checks, threads.
POLICY_CORE = zone_config zone_cpulist zone_args zone_sched zone_rt zone_apply zone_log \
	zone_backend
POLICY_CORE_OBJS = $(addprefix $(POLICY_OBJ)/,$(addsuffix .o,$(POLICY_CORE)))
POLICY_DAEMON_OBJS = $(POLICY_OBJ)/zoned_core.o $(POLICY_OBJ)/zoned_dbus.o

ifneq ($(and $(wildcard policy/zone_router.c),$(ZONE_ROUTER_SRCS)),)
ifdef ZONE_ROUTER_OBJS
POLICY_ROUTER_OBJS := $(ZONE_ROUTER_OBJS)
else
POLICY_ROUTER_OBJS := $(patsubst policy/%.c,$(POLICY_OBJ)/router-%.o,$(ZONE_ROUTER_SRCS))
$(POLICY_OBJ)/router-%.o: policy/%.c $(POLICY_HDRS) | setup
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(subst -I,-isystem ,$(ZONE_ROUTER_CFLAGS)) -c -o $@ $<
endif
POLICY_ROUTER_LIBS := $(ZONE_ROUTER_LIBS)
else
POLICY_ROUTER_OBJS := $(POLICY_OBJ)/zone_router_stub.o
POLICY_ROUTER_LIBS :=
endif

$(POLICY_OBJ)/%.o: policy/%.c $(POLICY_HDRS) | setup
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(POLICY_SPA_CFLAGS) -c -o $@ $<

$(POLICY_BIN)/vlo-zoned: $(POLICY_OBJ)/zoned_main.o $(POLICY_DAEMON_OBJS) $(POLICY_CORE_OBJS) \
		$(POLICY_ROUTER_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(POLICY_ROUTER_LIBS) $(POLICY_SD_LIBS) -lm

$(POLICY_BIN)/zonectl: $(POLICY_OBJ)/zonectl.o
	$(CC) $(LDFLAGS) -o $@ $^ $(POLICY_SD_LIBS)

.PHONY: policy policy-unit-tests check-policy-unit
policy: $(POLICY_BIN)/vlo-zoned $(POLICY_BIN)/zonectl
all: policy

# --- unit tests (cmocka)
POLICY_UNIT_TESTS = $(addprefix $(UNIT_DIR)/,test_policy_config test_policy_cpulist \
	test_policy_args test_policy_apply test_policy_reload)
UNIT_TESTS += $(POLICY_UNIT_TESTS)
POLICY_CMOCKA_LIBS = $(shell pkg-config --libs cmocka 2>/dev/null || echo -lcmocka)

$(UNIT_DIR)/test_policy_%.o: tests/unit/test_policy_%.c $(POLICY_HDRS) | setup
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Ipolicy -c -o $@ $<

$(UNIT_DIR)/test_policy_reload: $(UNIT_DIR)/test_policy_reload.o $(POLICY_OBJ)/zoned_core.o \
		$(POLICY_CORE_OBJS) $(POLICY_OBJ)/zone_router_stub.o
	$(CC) $(LDFLAGS) -o $@ $^ $(POLICY_CMOCKA_LIBS) $(POLICY_SD_LIBS) -lm

$(UNIT_DIR)/test_policy_%: $(UNIT_DIR)/test_policy_%.o $(POLICY_CORE_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(POLICY_CMOCKA_LIBS) $(POLICY_SD_LIBS) -lm -pthread

policy-unit-tests: $(POLICY_UNIT_TESTS)

check-policy-unit: policy-unit-tests
	@set -e; for t in $(POLICY_UNIT_TESTS); do echo "== $$t"; $$t; done

# --- libFuzzer targets (the top-level FUZZ_* settings)
POLICY_FUZZ_CONFIG_SRCS = policy/zone_config.c policy/zone_cpulist.c
$(FUZZ_DIR)/fuzz_zone_config: tests/fuzz/fuzz_zone_config.c $(POLICY_FUZZ_CONFIG_SRCS) \
		$(POLICY_HDRS) | setup
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(POLICY_SPA_CFLAGS) -Ipolicy -o $@ $< $(POLICY_FUZZ_CONFIG_SRCS) -lm

$(FUZZ_DIR)/fuzz_zone_set: tests/fuzz/fuzz_zone_set.c $(POLICY_FUZZ_CONFIG_SRCS) \
		policy/zone_args.c $(POLICY_HDRS) | setup
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(POLICY_SPA_CFLAGS) -Ipolicy -o $@ $< \
		$(POLICY_FUZZ_CONFIG_SRCS) policy/zone_args.c -lm

FUZZERS += zone_config zone_set
