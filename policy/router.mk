# The PipeWire half of the zone policy (policy/zone_router.h), included by
# policy/policy.mk (the daemon) and by the top-level Makefile (the probe).
# Sets ZONE_ROUTER_SRCS, ZONE_ROUTER_CFLAGS, ZONE_ROUTER_LIBS.
ifndef ZONE_ROUTER_MK
ZONE_ROUTER_MK := 1

ZONE_ROUTER_SRCS := policy/zone_router.c policy/zone_match.c policy/pw_conn.c \
	policy/pw_volume.c
ZONE_ROUTER_CFLAGS := $(shell pkg-config --cflags libpipewire-0.3 libsystemd 2>/dev/null)
ZONE_ROUTER_LIBS := $(shell pkg-config --libs libpipewire-0.3 libsystemd 2>/dev/null) -lm
ZONE_ROUTER_HDRS := policy/zone_router.h policy/zone_match.h policy/pw_conn.h \
	policy/pw_volume.h

ZONE_ROUTER_OBJS := $(patsubst policy/%.c,$(BUILD)/policy/router/%.o,$(ZONE_ROUTER_SRCS))
ZONE_ROUTER_PROBE := $(BUILD)/policy/zone-router-probe

# PipeWire's headers trip -Wshadow and friends in their inline helpers:
# include them as system headers.
$(BUILD)/policy/router/%.o: policy/%.c $(ZONE_ROUTER_HDRS) | setup
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(subst -I,-isystem ,$(ZONE_ROUTER_CFLAGS)) -c -o $@ $<

$(ZONE_ROUTER_PROBE): $(BUILD)/policy/router/zone-router-probe.o $(ZONE_ROUTER_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(ZONE_ROUTER_LIBS)

# The SPA-JSON syntax check of pipewire-conf/ (WirePlumber 0.5 files).
SPA_JSON_CHECK := $(BUILD)/pipewire-conf/spa-json-check
$(SPA_JSON_CHECK): pipewire-conf/spa-json-check.c | setup
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(subst -I,-isystem ,$(shell pkg-config --cflags libspa-0.2)) -o $@ $< $(LDFLAGS)

.PHONY: zone-router check-pipewire-conf
zone-router: $(ZONE_ROUTER_PROBE) $(SPA_JSON_CHECK)
all: zone-router

# No shipped rule sets the zone cards' ALSA period size or count: small
# buffers stall virtio_snd under load (docs/appliance.md); PipeWire's own
# choice (480-frame periods in a 7680-frame buffer) never did.
VLO_PW_RULES := pipewire-conf/wireplumber-0.4 pipewire-conf/wireplumber-0.5 \
	units/etc/wireplumber tests/e2e/guest/pw-bench-rules.lua
check-pipewire-conf: $(SPA_JSON_CHECK)
	$(SPA_JSON_CHECK) pipewire-conf/wireplumber-0.5/*.conf
	@! grep -rnE 'api\.alsa\.(period-size|period-num)' $(VLO_PW_RULES) || \
		{ echo "check-pipewire-conf: a rule sets the zone cards' period size/count" \
			"(small buffers stall virtio_snd: docs/appliance.md)" >&2; exit 1; }
check: check-pipewire-conf

# The matching logic's unit test (cmocka), run by make check-unit.
ZONE_MATCH_TEST := $(UNIT_DIR)/test_zone_match
UNIT_TESTS += $(ZONE_MATCH_TEST)
$(ZONE_MATCH_TEST): tests/unit/test_zone_match.c policy/zone_match.c policy/zone_match.h \
		policy/zone_router.h | setup
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Ipolicy -o $@ tests/unit/test_zone_match.c policy/zone_match.c \
		$(LDFLAGS) $(shell pkg-config --libs cmocka 2>/dev/null || echo -lcmocka)

endif
