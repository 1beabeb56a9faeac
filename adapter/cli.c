// SPDX-License-Identifier: GPL-2.0
/* Command line parsing and --help of virtio-loopback-adapter. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "uapi/virtio_loopback.h"

void cli_usage(FILE *f)
{
	fputs(
"Usage: virtio-loopback-adapter --device TYPE --socket-path PATH\n"
"                               [--device TYPE --socket-path PATH]...\n"
"                               [--reconnect] [--timeout-ms N] [OPTIONS]\n"
"\n"
"Turns vhost-user backends into native virtio devices of this machine's own\n"
"kernel. For each --device it connects to a vhost-user backend's UNIX socket,\n"
"reads what the backend offers (features, queues, config space), creates a\n"
"virtio device with exactly that through virtio_loopback.ko\n"
"(/dev/virtio-loopback), and when the in-kernel driver (virtio_blk,\n"
"virtio_snd, ...) has set the device up, hands the backend the rings, the\n"
"kick/call eventfds and the memory window. From then on requests go straight\n"
"from the kernel to the backend; the adapter only handles control events.\n"
"\n"
"Options:\n"
"  --device TYPE        the virtio device the backend implements: sound, blk,\n"
"                       rng, or a virtio device id number (e.g. 25). The\n"
"                       adapter refuses a backend that is recognisably of\n"
"                       another type. Repeat --device/--socket-path pairs for\n"
"                       several devices in one process (at most 32).\n"
"  --socket-path PATH   the backend's vhost-user socket (the backend listens,\n"
"                       the adapter connects); belongs to the --device before it.\n"
"  --label NAME         a stable name for the device, belonging to the --device\n"
"                       before it: up to 15 letters, digits, '_', '-', '.'.\n"
"                       The kernel shows it as the attribute \"label\" of the\n"
"                       device (/sys/devices/virtual/misc/virtio-loopback/vloN/\n"
"                       label), so that udev can name what the driver creates\n"
"                       below it, e.g. give a zone's sound card the ALSA id\n"
"                       NAME (see units/ of this project). Two devices of one\n"
"                       process cannot share a label.\n"
"  --stall-timeout-ms N a blk or rng device whose backend holds requests but\n"
"                       returns none for N ms is broken: blk requests fail\n"
"                       with I/O errors, as if the backend had died, and the\n"
"                       adapter removes the device, which ends an rng reader\n"
"                       (a stopped or deadlocked backend would otherwise hang\n"
"                       their callers). 100-600000, or 0 for never; default\n"
"                       30000, blk-mq's own request timeout. For --device blk\n"
"                       and rng only (sound devices hold buffers while a\n"
"                       stream is stopped, and ALSA fails a stuck stream by\n"
"                       itself after 10 s).\n"
"                       Belongs to the --device before it.\n"
"  --zero-copy          buffers the device reads that are whole, page-aligned\n"
"                       pages are shown to the backend as they are, not\n"
"                       copied (VLO_CREATE_F_ZERO_COPY); others are still\n"
"                       bounced. The backend writes a shadow used ring; the\n"
"                       kernel checks each entry and revokes the chain's pages\n"
"                       before the driver sees it. Costs a work-item hop and\n"
"                       a TLB flush per completion batch; event-idx and packed\n"
"                       rings are not offered. The default for --device blk\n"
"                       (block writes are whole pages); not for the others.\n"
"                       Belongs to the --device before it.\n"
"  --no-zero-copy       every buffer bounced through pages of the device's own,\n"
"                       for a blk device too. Belongs to the --device before it.\n"
"  --config-size N      config space bytes to read from the backend, for a\n"
"                       numeric --device only (default 0); belongs to the\n"
"                       --device before it.\n"
"  --reconnect          when a backend is missing or goes away, remove its\n"
"                       device and retry every 0.5 s; the device comes back\n"
"                       when the backend does. Without it, a missing backend\n"
"                       at start is an error, and the adapter exits when its\n"
"                       last backend has gone away.\n"
"  --timeout-ms N       bound on every wait for a backend reply and on the\n"
"                       kernel's waits for the adapter (1-60000, default 5000).\n"
"  --queue-size N       ring size offered to the driver (power of 2; default\n"
"                       64 for sound and rng, 256 otherwise).\n"
"  --iova-size MIB      size of each device's memory window in MiB (1-1024,\n"
"                       default: the kernel's, 64).\n"
"  -v, --verbose        log every control step on stderr.\n"
"  -h, --help           this text.\n"
"\n"
"Needs root (or access to /dev/virtio-loopback: load virtio_loopback.ko).\n"
"Tells systemd READY=1 (Type=notify) once every device has been created.\n"
"\n"
"Example: a 64 MiB file as a virtio-blk disk through qemu-storage-daemon:\n"
"  truncate -s 64M /tmp/disk.img\n"
"  qemu-storage-daemon \\\n"
"    --blockdev file,node-name=disk,filename=/tmp/disk.img \\\n"
"    --export type=vhost-user-blk,id=exp,node-name=disk,writable=on,\\\n"
"addr.type=unix,addr.path=/tmp/blk.sock &\n"
"  modprobe virtio_blk\n"
"  virtio-loopback-adapter --device blk --socket-path /tmp/blk.sock\n"
"  # /dev/vdX appears; stop with Ctrl-C or SIGTERM.\n"
"\n"
"Exit status:\n"
"  0  stopped by SIGINT or SIGTERM\n"
"  1  a backend failed: missing socket, protocol error, device type mismatch,\n"
"     or (without --reconnect) every backend went away\n"
"  2  bad command line\n"
"  3  the kernel side failed: /dev/virtio-loopback missing or device creation\n"
"     refused\n", f);
}

static int parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || !*s || *s == '-')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

/* The kernel's rule (VLO_LABEL_MAX), checked here for a clear message. */
static bool label_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= VLO_LABEL_MAX)
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") == n;
}

#define ERR(...) do { snprintf(err, len, __VA_ARGS__); return -1; } while (0)

int cli_parse(struct cli *c, int argc, char **argv, char *err, size_t len)
{
	struct cli_device *cur = NULL;
	unsigned int i, j;
	int a;

	memset(c, 0, sizeof(*c));
	c->timeout_ms = CLI_DEFAULT_TIMEOUT_MS;
	for (a = 1; a < argc; a++) {
		const char *opt = argv[a], *val = NULL, *eq;
		char name[32];
		uint32_t v;

		if (!strcmp(opt, "-h") || !strcmp(opt, "--help"))
			return 1;
		if (!strcmp(opt, "-v") || !strcmp(opt, "--verbose")) {
			c->verbose = true;
			continue;
		}
		if (strncmp(opt, "--", 2))
			ERR("unexpected argument '%s' (see --help)", opt);
		eq = strchr(opt, '=');
		if (eq) {
			size_t n = (size_t)(eq - opt);

			if (n >= sizeof(name))
				ERR("unknown option '%s' (see --help)", opt);
			memcpy(name, opt, n);
			name[n] = 0;
			val = eq + 1;
		} else {
			snprintf(name, sizeof(name), "%s", opt);
		}
		if (!strcmp(name, "--reconnect")) {
			if (val)
				ERR("--reconnect takes no value");
			c->reconnect = true;
			continue;
		}
		if (!strcmp(name, "--zero-copy") || !strcmp(name, "--no-zero-copy")) {
			if (val)
				ERR("%s takes no value", name);
			if (!cur)
				ERR("%s comes before any --device", name);
			cur->zero_copy = !strcmp(name, "--zero-copy");
			continue;
		}
		if (strcmp(name, "--device") && strcmp(name, "--socket-path") &&
		    strcmp(name, "--config-size") && strcmp(name, "--timeout-ms") &&
		    strcmp(name, "--queue-size") && strcmp(name, "--iova-size") &&
		    strcmp(name, "--label") && strcmp(name, "--stall-timeout-ms"))
			ERR("unknown option '%s' (see --help)", opt);
		if (!val) {
			if (a + 1 >= argc)
				ERR("%s needs a value", name);
			val = argv[++a];
		}
		if (!strcmp(name, "--device")) {
			if (cur && !cur->socket_path)
				ERR("--device %s has no --socket-path", cur->arg);
			if (c->ndev == CLI_MAX_DEVICES)
				ERR("too many devices (at most %d)", CLI_MAX_DEVICES);
			cur = &c->dev[c->ndev++];
			cur->arg = val;
			cur->stall_ms = -1;
			cur->type = devtype_lookup(val, &cur->custom);
			if (!cur->type)
				ERR("unknown device '%s': use sound, blk, rng or a virtio device id 1-65535", val);
			/* blk: the buffers of writes are whole pages (measured:
			 * docs/performance.md); sound periods mostly are not. */
			cur->zero_copy = cur->type->id == VIRTIO_ID_BLOCK;
			/* the custom type must live in this entry, not the caller's copy */
			if (!cur->type->name)
				cur->type = &cur->custom;
		} else if (!strcmp(name, "--socket-path")) {
			if (!cur)
				ERR("--socket-path %s comes before any --device", val);
			if (cur->socket_path)
				ERR("--device %s has two --socket-path", cur->arg);
			if (!*val)
				ERR("--socket-path is empty");
			cur->socket_path = val;
		} else if (!strcmp(name, "--label")) {
			if (!cur)
				ERR("--label %s comes before any --device", val);
			if (cur->label)
				ERR("--device %s has two --label", cur->arg);
			if (!label_valid(val))
				ERR("--label '%s': want 1-%d letters, digits, '_', '-', '.'", val,
				    VLO_LABEL_MAX - 1);
			cur->label = val;
		} else if (!strcmp(name, "--stall-timeout-ms")) {
			if (!cur)
				ERR("--stall-timeout-ms comes before any --device");
			if (cur->type->id != VIRTIO_ID_BLOCK && cur->type->id != VIRTIO_ID_RNG)
				ERR("--stall-timeout-ms applies to --device blk and rng only");
			if (parse_u32(val, 0, VLO_MAX_STALL_MS, &v) ||
			    (v && v < VLO_MIN_STALL_MS))
				ERR("--stall-timeout-ms '%s': want 0 or %d-%d", val,
				    VLO_MIN_STALL_MS, VLO_MAX_STALL_MS);
			cur->stall_ms = (int)v;
		} else if (!strcmp(name, "--config-size")) {
			if (!cur || cur->type->name)
				ERR("--config-size applies to a numeric --device only");
			if (parse_u32(val, 0, VLO_MAX_CONFIG, &v))
				ERR("--config-size '%s': want 0-%d", val, VLO_MAX_CONFIG);
			cur->custom.config_bytes = v;
		} else if (!strcmp(name, "--timeout-ms")) {
			if (parse_u32(val, 1, VLO_MAX_TIMEOUT_MS, &v))
				ERR("--timeout-ms '%s': want 1-%d", val, VLO_MAX_TIMEOUT_MS);
			c->timeout_ms = (int)v;
		} else if (!strcmp(name, "--queue-size")) {
			if (parse_u32(val, 1, VLO_MAX_QUEUE_SIZE, &v) || (v & (v - 1)))
				ERR("--queue-size '%s': want a power of 2 up to %d", val,
				    VLO_MAX_QUEUE_SIZE);
			c->queue_size = v;
		} else {
			if (parse_u32(val, 1, (uint32_t)(VLO_MAX_IOVA_SIZE >> 20), &v))
				ERR("--iova-size '%s': want 1-%llu (MiB)", val,
				    (unsigned long long)(VLO_MAX_IOVA_SIZE >> 20));
			c->iova_size = (uint64_t)v << 20;
		}
	}
	if (!c->ndev || !cur)
		ERR("no --device given (see --help)");
	if (!cur->socket_path)
		ERR("--device %s has no --socket-path", cur->arg);
	for (i = 0; i < c->ndev; i++)
		for (j = 0; j < i; j++)
			if (!strcmp(c->dev[i].socket_path, c->dev[j].socket_path))
				ERR("socket %s given for two devices", c->dev[i].socket_path);
	for (i = 0; i < c->ndev; i++)
		for (j = 0; j < i; j++)
			if (c->dev[i].label && c->dev[j].label &&
			    !strcmp(c->dev[i].label, c->dev[j].label))
				ERR("label %s given for two devices", c->dev[i].label);
	return 0;
}
