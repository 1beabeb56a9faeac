# Unit tests of lib/vhost-user and adapter/ (cmocka).
# Standalone:   make -f tests/unit/adapter.mk check-adapter-unit
# From the top-level Makefile:
#   include tests/unit/adapter.mk
#   UNIT_TESTS += $(ADAPTER_UNIT_TESTS)
ifndef TOP
TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))/../..)
endif
include $(TOP)/adapter/Makefile

ADAPTER_UNIT_DIR = $(BUILD_ABS)/tests/unit
ADAPTER_UNIT_TESTS = $(ADAPTER_UNIT_DIR)/test_vhost_user_msg \
	$(ADAPTER_UNIT_DIR)/test_adapter_frontend $(ADAPTER_UNIT_DIR)/test_adapter_cli
ADAPTER_UNIT_LIBS = $(shell pkg-config --libs cmocka 2>/dev/null || echo -lcmocka) -pthread

ADAPTER_UNIT_OBJS = $(addsuffix .o,$(ADAPTER_UNIT_TESTS))

$(ADAPTER_UNIT_OBJS): $(ADAPTER_UNIT_DIR)/%.o: $(TOP)/tests/unit/%.c $(ADAPTER_HDRS)
	@mkdir -p $(@D)
	$(CC) $(ADAPTER_CFLAGS) $(CFLAGS) -c -o $@ $<

$(ADAPTER_UNIT_DIR)/test_vhost_user_msg: $(ADAPTER_UNIT_DIR)/test_vhost_user_msg.o $(VHU_LIB)
	$(CC) $(ADAPTER_LDFLAGS) $(LDFLAGS) -o $@ $^ $(ADAPTER_UNIT_LIBS)
$(ADAPTER_UNIT_DIR)/test_adapter_%: $(ADAPTER_UNIT_DIR)/test_adapter_%.o $(ADAPTER_CORE_OBJS) $(VHU_LIB)
	$(CC) $(ADAPTER_LDFLAGS) $(LDFLAGS) -o $@ $^ $(ADAPTER_UNIT_LIBS)

adapter-unit-tests: $(ADAPTER_UNIT_TESTS)
check-adapter-unit: $(ADAPTER_UNIT_TESTS)
	@set -e; for t in $^; do echo "== $$t"; $$t; done

.PHONY: adapter-unit-tests check-adapter-unit
