# The appliance: make install / uninstall, DKMS, and the units' lint.
# Included by the top-level Makefile (uses its BUILD, KDIR, ADAPTER_BIN).
#
#   make install [DESTDIR=DIR] [PREFIX=/usr]
#                   programs to PREFIX/bin, the module for KDIR's kernel to
#                   /lib/modules/KVER/updates, systemd units, the zones'
#                   generator, the udev rule, modules-load.d, the D-Bus policy
#                   and PipeWire configuration when they exist in the tree,
#                   and enables vlo-zones.target (NO_ENABLE=1: don't).
#                   Installs only what `make` has built; never compiles.
#   make install-bench
#                   install, plus the VM bench's machine configuration:
#                   snd-aloop stands in for the real cards, and the sample
#                   zones driver, rear and chimes in /etc/vlo (kept if present)
#   make install-dkms
#                   the module's sources to /usr/src/virtio-loopback-VERSION
#                   with driver/dkms.conf; with DESTDIR empty also `dkms
#                   install` (builds it for the running kernel and later ones)
#   make uninstall, uninstall-bench, uninstall-dkms: remove what they installed
#                   (configuration in /etc/vlo only if unchanged)
#   NO_ENABLE=1     install does not enable vlo-zones.target
#   ENABLE_PIPEWIRE=1  install also enables the system-wide PipeWire and
#                   WirePlumber (vlo-wireplumber.service, vlo-pipewire.socket)
#   NO_SYSUSERS=1   install does not run systemd-sysusers (it does only when
#                   DESTDIR is empty: the users and groups of vlo.sysusers.conf)
#   make lint-units systemd-analyze verify and security on the units as
#                   installed, shellcheck on the generator (part of make check)
#   make check-dkms dkms add and build from what install-dkms stages, for the
#                   6.12 and 6.1 headers, in a private tree (part of make check)
#
# Paths follow PREFIX (default /usr/local; Debian and AGL: PREFIX=/usr) except
# where the system only looks in one place: systemd units, generators,
# modules-load.d, udev rules and D-Bus policy go where pkg-config says
# (Debian: /lib/systemd/system, /lib/udev/rules.d, ...), configuration in
# /etc. Every directory is a variable that may be overridden.

VLO_VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\([^"]*\)"/\1/p' driver/dkms.conf)
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBEXECDIR ?= $(PREFIX)/libexec
DATADIR ?= $(PREFIX)/share
DOCDIR ?= $(DATADIR)/doc/vlo
SYSCONFDIR ?= /etc
vlo_pkgvar = $(or $(shell pkg-config --variable=$(2) $(1) 2>/dev/null),$(3))
VLO_UNITDIR_DEFAULT := $(call vlo_pkgvar,systemd,systemdsystemunitdir,/lib/systemd/system)
VLO_GENDIR_DEFAULT := $(call vlo_pkgvar,systemd,systemdsystemgeneratordir,/lib/systemd/system-generators)
VLO_MODLOADDIR_DEFAULT := $(call vlo_pkgvar,systemd,modulesloaddir,/usr/lib/modules-load.d)
VLO_UDEVDIR_DEFAULT := $(call vlo_pkgvar,udev,udevdir,/lib/udev)
SYSTEMD_UNITDIR ?= $(VLO_UNITDIR_DEFAULT)
SYSTEMD_GENERATORDIR ?= $(VLO_GENDIR_DEFAULT)
MODULESLOADDIR ?= $(VLO_MODLOADDIR_DEFAULT)
UDEV_RULESDIR ?= $(VLO_UDEVDIR_DEFAULT)/rules.d
DBUS_POLICYDIR ?= /usr/share/dbus-1/system.d
VLO_SYSUSERSDIR_DEFAULT := $(call vlo_pkgvar,systemd,sysusersdir,/usr/lib/sysusers.d)
SYSUSERSDIR ?= $(VLO_SYSUSERSDIR_DEFAULT)
DKMS_SRCDIR ?= /usr/src/virtio-loopback-$(VLO_VERSION)
# The kernel the module was built for: KDIR's /lib/modules name.
INSTALL_KVER ?= $(if $(filter /lib/modules/%/build,$(KDIR)),$(patsubst /lib/modules/%/build,%,$(KDIR)),$(shell cat $(KDIR)/include/config/kernel.release 2>/dev/null))
MODULE_DIR ?= /lib/modules/$(INSTALL_KVER)/updates
INSTALL ?= install
DEPMOD ?= depmod
DKMS ?= dkms

# What is installed, from where. The policy daemon and zonectl when
# policy/policy.mk is part of the build (it sets POLICY_BIN).
VLO_BIN_PROGRAMS = $(ADAPTER_BIN) $(BUILD)/sound-backend/vhost-user-sound \
	$(if $(POLICY_BIN),$(POLICY_BIN)/zonectl)
VLO_LIBEXEC_PROGRAMS = $(if $(POLICY_BIN),$(POLICY_BIN)/vlo-zoned)
VLO_DBUS_POLICY = $(if $(POLICY_BIN),$(wildcard policy/org.vlo.Zones1.conf))
VLO_KO = $(BUILD)/driver-$(INSTALL_KVER)/virtio_loopback.ko
VLO_UNITS = $(filter-out $(if $(POLICY_BIN),,units/vlo-zoned.service), \
	$(wildcard units/*.service units/*.socket units/*.target units/*.slice))
VLO_DRIVER_SOURCES = Kbuild vlo.h vlo_main.c vlo_virtio.c vlo_dma.c vlo_fail.c \
	uapi/virtio_loopback.h dkms.conf
# pipewire-conf/ (the PipeWire helper's): each folder to where its
# WirePlumber or PipeWire version reads fragments; new files are picked up.
VLO_PW_CONF = $(wildcard pipewire-conf/wireplumber-0.4/main.lua.d/*.lua) \
	$(wildcard pipewire-conf/wireplumber-0.5/*.conf) $(wildcard pipewire-conf/pipewire/*.conf)
vlo_pw_dest = $(SYSCONFDIR)/$(if $(filter %.lua,$(1)),wireplumber/main.lua.d,$(if \
	$(filter pipewire-conf/wireplumber-0.5/%,$(1)),wireplumber/wireplumber.conf.d,pipewire/pipewire.conf.d))/$(notdir $(1))
# pipewire-conf/wireplumber-0.4/system/: only the appliance's system-wide
# WirePlumber reads these (vlo-wireplumber.service: XDG_CONFIG_HOME=/etc/vlo).
VLO_PW_SYSTEM = $(wildcard pipewire-conf/wireplumber-0.4/system/*/*.lua)
vlo_pw_system_dest = $(SYSCONFDIR)/vlo/wireplumber/$(patsubst pipewire-conf/wireplumber-0.4/system/%,%,$(1))
define vlo_newline


endef
# The VM bench's /etc files (units/etc/ mirrors /etc).
VLO_BENCH_ETC = $(patsubst units/etc/%,%,$(shell find units/etc -type f 2>/dev/null | sort))

# Units and the generator name the programs by their Debian paths; installed
# elsewhere, those names follow. (Only the project's own programs: the
# distribution's, like /usr/bin/pipewire, stay.)
VLO_PATH_SED = -e 's@/usr/bin/\(virtio-loopback-adapter\|vhost-user-sound\|zonectl\)\b@$(BINDIR)/\1@g' \
	-e 's@/usr/libexec/vlo/@$(LIBEXECDIR)/vlo/@g' \
	-e 's@/usr/share/doc/vlo/@$(DOCDIR)/@g' \
	-e 's@/lib/systemd/system/@$(SYSTEMD_UNITDIR)/@g'

.PHONY: install-pipewire-conf install install-programs install-module install-units install-docs \
	install-bench install-dkms uninstall uninstall-bench uninstall-dkms lint-units

install: install-programs install-module install-units install-docs install-pipewire-conf
	@echo "installed; on a running system: systemctl daemon-reload && udevadm control --reload && systemctl start vlo-zones.target"

# install-one MODE SRC DST: DST under DESTDIR, directories made.
vlo_install_one = $(INSTALL) -D -m $(1) $(2) $(DESTDIR)$(3)

install-programs:
	@for f in $(VLO_BIN_PROGRAMS) $(VLO_LIBEXEC_PROGRAMS); do [ -x "$$f" ] || \
		{ echo "install: $$f is missing: run make first" >&2; exit 1; }; done
	$(INSTALL) -d $(DESTDIR)$(BINDIR)
	$(INSTALL) -m 755 $(VLO_BIN_PROGRAMS) $(DESTDIR)$(BINDIR)/
	$(if $(VLO_LIBEXEC_PROGRAMS),$(INSTALL) -d $(DESTDIR)$(LIBEXECDIR)/vlo)
	$(if $(VLO_LIBEXEC_PROGRAMS),$(INSTALL) -m 755 $(VLO_LIBEXEC_PROGRAMS) $(DESTDIR)$(LIBEXECDIR)/vlo/)

# depmod only where the kernel's whole module tree is (a real root, not a
# staging DESTDIR).
install-module:
	@[ -r "$(VLO_KO)" ] || { echo "install: $(VLO_KO) is missing: run make first" >&2; exit 1; }
	$(call vlo_install_one,644,$(VLO_KO),$(MODULE_DIR)/virtio_loopback.ko)
	if [ -e "$(DESTDIR)/lib/modules/$(INSTALL_KVER)/modules.dep" ]; then \
		$(DEPMOD) -b "$(or $(DESTDIR),/)" $(INSTALL_KVER); fi

install-units:
	$(INSTALL) -d $(DESTDIR)$(SYSTEMD_UNITDIR)
	set -e; for u in $(VLO_UNITS); do \
		sed $(VLO_PATH_SED) "$$u" >"$(DESTDIR)$(SYSTEMD_UNITDIR)/$${u#units/}"; \
		chmod 644 "$(DESTDIR)$(SYSTEMD_UNITDIR)/$${u#units/}"; done
	$(INSTALL) -d $(DESTDIR)$(SYSTEMD_GENERATORDIR)
	sed $(VLO_PATH_SED) units/vlo-zones-generator >$(DESTDIR)$(SYSTEMD_GENERATORDIR)/vlo-zones-generator
	chmod 755 $(DESTDIR)$(SYSTEMD_GENERATORDIR)/vlo-zones-generator
	$(call vlo_install_one,644,units/60-vlo-zone-card.rules,$(UDEV_RULESDIR)/60-vlo-zone-card.rules)
	$(call vlo_install_one,644,units/virtio-loopback.modules-load.conf,$(MODULESLOADDIR)/virtio-loopback.conf)
	$(if $(VLO_DBUS_POLICY),$(call vlo_install_one,644,$(VLO_DBUS_POLICY),$(DBUS_POLICYDIR)/org.vlo.Zones1.conf))
	$(call vlo_install_one,644,units/vlo.sysusers.conf,$(SYSUSERSDIR)/vlo.conf)
	@# The users now, on a real root (a package's postinst would do it).
	if [ -z "$(DESTDIR)$(NO_SYSUSERS)" ] && command -v systemd-sysusers >/dev/null; then \
		systemd-sysusers $(SYSUSERSDIR)/vlo.conf; fi
ifeq ($(NO_ENABLE),)
	@# What `systemctl enable vlo-zones.target` does (WantedBy=multi-user.target),
	@# without needing a running systemd or systemctl --root's view of DESTDIR.
	$(INSTALL) -d $(DESTDIR)$(SYSCONFDIR)/systemd/system/multi-user.target.wants
	ln -sf $(SYSTEMD_UNITDIR)/vlo-zones.target \
		$(DESTDIR)$(SYSCONFDIR)/systemd/system/multi-user.target.wants/vlo-zones.target
ifneq ($(ENABLE_PIPEWIRE),)
	@# ENABLE_PIPEWIRE=1: the system-wide PipeWire and WirePlumber come up
	@# with the zones (their [Install] sections: vlo-zones.target,
	@# sockets.target) and own the zone cards; without it the cards stay
	@# free for ALSA clients (hw:CARD=NAME).
	$(INSTALL) -d $(DESTDIR)$(SYSCONFDIR)/systemd/system/vlo-zones.target.wants \
		$(DESTDIR)$(SYSCONFDIR)/systemd/system/sockets.target.wants
	ln -sf $(SYSTEMD_UNITDIR)/vlo-wireplumber.service \
		$(DESTDIR)$(SYSCONFDIR)/systemd/system/vlo-zones.target.wants/vlo-wireplumber.service
	ln -sf $(SYSTEMD_UNITDIR)/vlo-pipewire.socket \
		$(DESTDIR)$(SYSCONFDIR)/systemd/system/sockets.target.wants/vlo-pipewire.socket
endif
endif

# pipewire-conf/udev/: rules that name the zones' cards for PipeWire.
VLO_PW_UDEV = $(wildcard pipewire-conf/udev/*.rules)
# pipewire-conf/alsa-init/: alsactl init's preinit rules (zone cards at 0 dB);
# alsactl only looks in /usr/share/alsa/init, whatever PREFIX is.
ALSA_INITDIR ?= /usr/share/alsa/init
VLO_ALSA_INIT = $(wildcard pipewire-conf/alsa-init/*)

install-pipewire-conf:
	$(foreach f,$(VLO_PW_CONF),$(call vlo_install_one,644,$(f),$(call vlo_pw_dest,$(f)))$(vlo_newline))
	$(foreach f,$(VLO_PW_SYSTEM),$(call vlo_install_one,644,$(f),$(call vlo_pw_system_dest,$(f)))$(vlo_newline))
	$(foreach f,$(VLO_PW_UDEV),$(call vlo_install_one,644,$(f),$(UDEV_RULESDIR)/$(notdir $(f)))$(vlo_newline))
	$(foreach f,$(VLO_ALSA_INIT),$(call vlo_install_one,644,$(f),$(ALSA_INITDIR)/preinit/$(notdir $(f)))$(vlo_newline))

install-docs:
	$(call vlo_install_one,644,docs/appliance.md,$(DOCDIR)/appliance.md)
	set -e; for f in $(filter vlo/%,$(VLO_BENCH_ETC)); do \
		$(INSTALL) -D -m 644 units/etc/$$f $(DESTDIR)$(DOCDIR)/examples/$$f; done

# Configuration already in /etc/vlo is the admin's: never overwritten.
# ENABLE_PIPEWIRE=1: PipeWire owns the zone cards and opens them at formats
# of its choosing, so each zone's backend plays into the project's snd-aloop
# profile (pipewire-conf/alsa/vlo-zones-aloop.conf: softvol + dmix, the
# cable fixed at S16_LE/48 kHz/stereo, what the capture end records)
# instead of straight into hw:Loopback,0,N (bit-exact, any format: the
# plain appliance's checks).
install-bench: install
	set -e; for f in $(VLO_BENCH_ETC); do \
		case $$f in vlo/*) [ -e "$(DESTDIR)$(SYSCONFDIR)/$$f" ] && continue ;; esac; \
		$(INSTALL) -D -m 644 units/etc/$$f $(DESTDIR)$(SYSCONFDIR)/$$f; \
		case "$(ENABLE_PIPEWIRE):$$f" in ?*:vlo/sound/*.conf) z=$${f##*/}; \
			sed -i "s@^stream playback:hw:Loopback,0,[0-9]*\$$@stream playback:vlo_zone_$${z%.conf}@" \
				$(DESTDIR)$(SYSCONFDIR)/$$f ;; esac; done
	$(if $(ENABLE_PIPEWIRE),$(call vlo_install_one,644,pipewire-conf/alsa/vlo-zones-aloop.conf,$(SYSCONFDIR)/alsa/conf.d/60-vlo-zones.conf))

install-dkms:
	$(INSTALL) -d $(DESTDIR)$(DKMS_SRCDIR)/uapi
	set -e; for f in $(VLO_DRIVER_SOURCES); do \
		$(INSTALL) -m 644 driver/$$f $(DESTDIR)$(DKMS_SRCDIR)/$$f; done
	@if [ -z "$(DESTDIR)" ]; then \
		echo "$(DKMS) install virtio-loopback/$(VLO_VERSION)"; \
		$(DKMS) install virtio-loopback/$(VLO_VERSION); \
	else echo "then, on the target: dkms install virtio-loopback/$(VLO_VERSION)"; fi

uninstall:
	rm -f $(addprefix $(DESTDIR)$(BINDIR)/,$(notdir $(VLO_BIN_PROGRAMS)))
	rm -rf $(DESTDIR)$(LIBEXECDIR)/vlo
	rm -f $(DESTDIR)$(DBUS_POLICYDIR)/org.vlo.Zones1.conf $(DESTDIR)$(SYSUSERSDIR)/vlo.conf
	rm -f $(DESTDIR)$(MODULE_DIR)/virtio_loopback.ko
	if [ -e "$(DESTDIR)/lib/modules/$(INSTALL_KVER)/modules.dep" ]; then \
		$(DEPMOD) -b "$(or $(DESTDIR),/)" $(INSTALL_KVER); fi
	rm -f $(DESTDIR)$(SYSCONFDIR)/systemd/system/multi-user.target.wants/vlo-zones.target
	rm -f $(DESTDIR)$(SYSCONFDIR)/systemd/system/vlo-zones.target.wants/vlo-wireplumber.service \
		$(DESTDIR)$(SYSCONFDIR)/systemd/system/sockets.target.wants/vlo-pipewire.socket
	-rmdir $(DESTDIR)$(SYSCONFDIR)/systemd/system/vlo-zones.target.wants 2>/dev/null
	rm -f $(addprefix $(DESTDIR)$(SYSTEMD_UNITDIR)/,$(notdir $(VLO_UNITS)))
	rm -f $(DESTDIR)$(SYSTEMD_GENERATORDIR)/vlo-zones-generator
	rm -f $(DESTDIR)$(UDEV_RULESDIR)/60-vlo-zone-card.rules
	rm -f $(DESTDIR)$(MODULESLOADDIR)/virtio-loopback.conf
	rm -rf $(DESTDIR)$(DOCDIR)
	rm -f $(foreach f,$(VLO_PW_CONF),$(DESTDIR)$(call vlo_pw_dest,$(f)))
	rm -f $(foreach f,$(VLO_PW_SYSTEM),$(DESTDIR)$(call vlo_pw_system_dest,$(f)))
	-rmdir $(DESTDIR)$(SYSCONFDIR)/vlo/wireplumber/* $(DESTDIR)$(SYSCONFDIR)/vlo/wireplumber 2>/dev/null
	rm -f $(addprefix $(DESTDIR)$(UDEV_RULESDIR)/,$(notdir $(VLO_PW_UDEV)))
	rm -f $(addprefix $(DESTDIR)$(ALSA_INITDIR)/preinit/,$(notdir $(VLO_ALSA_INIT)))

# The bench's files; /etc/vlo files only when unchanged from the samples.
uninstall-bench: uninstall
	set -e; for f in $(VLO_BENCH_ETC); do \
		case $$f in vlo/*) cmp -s units/etc/$$f $(DESTDIR)$(SYSCONFDIR)/$$f || continue ;; esac; \
		rm -f $(DESTDIR)$(SYSCONFDIR)/$$f; done
	rm -f $(DESTDIR)$(SYSCONFDIR)/alsa/conf.d/60-vlo-zones.conf
	-rmdir $(DESTDIR)$(SYSCONFDIR)/vlo/sound $(DESTDIR)$(SYSCONFDIR)/vlo 2>/dev/null

uninstall-dkms:
	@if [ -z "$(DESTDIR)" ] && $(DKMS) status virtio-loopback/$(VLO_VERSION) 2>/dev/null | grep -q .; then \
		echo "$(DKMS) remove virtio-loopback/$(VLO_VERSION) --all"; \
		$(DKMS) remove virtio-loopback/$(VLO_VERSION) --all; fi
	rm -rf $(DESTDIR)$(DKMS_SRCDIR)

# --- lint: the units as `make install` writes them, pointing at programs
# installed under build/units-lint (systemd-analyze checks that they exist).
VLO_LINT_ROOT = $(abspath $(BUILD))/units-lint
VLO_LINT_VARS = DESTDIR= PREFIX=$(VLO_LINT_ROOT)/usr SYSCONFDIR=$(VLO_LINT_ROOT)/etc \
	SYSTEMD_UNITDIR=$(VLO_LINT_ROOT)/units SYSTEMD_GENERATORDIR=$(VLO_LINT_ROOT)/gen \
	UDEV_RULESDIR=$(VLO_LINT_ROOT)/udev MODULESLOADDIR=$(VLO_LINT_ROOT)/modules-load.d \
	DBUS_POLICYDIR=$(VLO_LINT_ROOT)/dbus SYSUSERSDIR=$(VLO_LINT_ROOT)/sysusers.d NO_ENABLE=1 NO_SYSUSERS=1
# Highest acceptable `systemd-analyze security` exposure, in tenths (0 safe
# .. 100 unsafe); the backend and the adapter score 11 and 12 today.
VLO_SECURITY_MAX ?= 20
VLO_SECURITY_UNITS = vhost-user-sound@lint.service virtio-loopback-adapter@lint.service \
	$(if $(POLICY_BIN),vlo-zoned.service) vlo-pipewire.service vlo-wireplumber.service

lint-units: $(ADAPTER_BIN) snd-backend $(VLO_LIBEXEC_PROGRAMS) $(filter-out $(ADAPTER_BIN) %/vhost-user-sound,$(VLO_BIN_PROGRAMS))
	rm -rf $(VLO_LINT_ROOT)
	$(MAKE) --no-print-directory install-programs install-units $(VLO_LINT_VARS) >/dev/null
	@# Templates are checked as an instance, as systemd would load them, and
	@# with PipeWire enabled (an ordering cycle shows only then).
	@# Every warning counts: verify exits 0 on unknown keys or bad values.
	set -e; cd $(VLO_LINT_ROOT)/units; for u in *@.*; do cp "$$u" "$${u%%@*}@lint.$${u#*@.}"; done; \
		mkdir -p vlo-zones.target.wants; ln -sf ../vlo-wireplumber.service vlo-zones.target.wants/; \
		out=$$(systemd-analyze verify --man=no *@lint.* $$(ls | grep -v -e @ -e '\.wants$$') 2>&1) && [ -z "$$out" ] || \
		{ echo "$$out" >&2; echo "lint-units: systemd-analyze verify is not happy (above)" >&2; exit 1; }
	@set -e; for u in $(VLO_SECURITY_UNITS); do \
		out=$$(systemd-analyze security --offline=yes --threshold=$(VLO_SECURITY_MAX) \
			$(VLO_LINT_ROOT)/units/$$u) || { echo "$$out"; \
			echo "lint-units: $$u is exposed above $(VLO_SECURITY_MAX)/100" >&2; exit 1; }; \
		echo "$$out" | tail -n 1; done
	shellcheck units/vlo-zones-generator
	units/generator-test units/vlo-zones-generator
check: lint-units check-dkms

# driver/dkms.conf with the real dkms, in a private tree (units/dkms-test).
.PHONY: check-dkms
check-dkms: setup
	units/dkms-test
