// SPDX-License-Identifier: MIT
/* vhost-user-sound's options: see vus_cli.h. */
#include "vus_cli.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "snd_proto.h"

#define CONFIG_DEPTH_MAX 4	/* --config inside a config file, bounded */

void vus_cli_usage(FILE *f)
{
	fputs(
"Usage: vhost-user-sound (--socket-path PATH | --fd N) --stream DIR:END\n"
"                        [--stream DIR:END]... [OPTIONS]\n"
"       vhost-user-sound --config FILE [OPTIONS]\n"
"       vhost-user-sound --print-capabilities\n"
"\n"
"A virtio-sound device as a vhost-user backend: the virtio_snd driver of the\n"
"kernel sees a sound card whose PCM streams are bound to host audio ends.\n"
"It listens on a UNIX socket and serves one vhost-user frontend at a time\n"
"(virtio-loopback-adapter, or QEMU's vhost-user-snd device); when the\n"
"frontend goes away the device is reset and the next frontend is awaited.\n"
"\n"
"Options:\n"
"  --socket-path PATH   create a listening UNIX socket at PATH (a stale socket\n"
"                       file there is replaced, nothing else is).\n"
"  --fd N               use the inherited listening socket N instead (systemd\n"
"                       socket activation: --fd 3).\n"
"  --stream DIR:END     add a PCM stream. DIR is playback or capture; END is\n"
"                         null          real-time paced sink / silence source\n"
"                         wav:PATH      playback writes exactly the bytes played\n"
"                                       to PATH; capture loops PATH's samples\n"
"                                       (the stream's format must match it)\n"
"                         anything else an ALSA PCM name: hw:Loopback,0,0,\n"
"                                       plughw:1, a dmix/softvol PCM of\n"
"                                       asound.conf. Its channels, formats and\n"
"                                       rates are probed at start and\n"
"                                       advertised; it is never replaced by\n"
"                                       \"default\".\n"
"                       The N-th playback stream is the guest's PCM device N,\n"
"                       and so is the N-th capture stream. At most 16 streams.\n"
"  --config FILE        read options from FILE: one per line, without the\n"
"                       leading \"--\" (\"stream playback:hw:0,0\"); '#' starts a\n"
"                       comment. Later options add to or override it.\n"
"  --rt-priority N      run the audio threads, and the thread that takes\n"
"                       requests off the rings, SCHED_FIFO at priority N\n"
"                       (1-99) when allowed; 0 (default) does not try.\n"
"  --host-periods N     let each stream's end (the host PCM's buffer) hold\n"
"                       up to N periods of the guest's audio (2-15, default\n"
"                       4), and never all of the guest's buffer: at most its\n"
"                       periods minus one (2 at least). Deeper rides out\n"
"                       longer stalls of this process without an underrun,\n"
"                       at no added latency (a request completes when its\n"
"                       audio has played, so the guest counts what the end\n"
"                       holds), but a volume change is heard up to N\n"
"                       periods later.\n"
"  --name NAME          prefix of log lines (default vhost-user-sound).\n"
"  --print-capabilities print the backend's capabilities as JSON and exit\n"
"                       (vhost-user backend program conventions).\n"
"  -v, --verbose        log every vhost-user message.\n"
"  -h, --help           this text.\n"
"\n"
"Example: a card in this machine's own kernel, playing into snd-aloop and\n"
"recording a WAV file, through virtio_loopback.ko and the adapter:\n"
"  modprobe snd-aloop; modprobe snd-virtio; insmod virtio_loopback.ko\n"
"  vhost-user-sound --socket-path /run/snd0.sock \\\n"
"      --stream playback:hw:Loopback,0,0 --stream capture:wav:/tmp/in.wav &\n"
"  virtio-loopback-adapter --device sound --socket-path /run/snd0.sock &\n"
"  cat /proc/asound/cards          # the new \"VirtIO SoundCard\" is card N\n"
"  aplay -D hw:N,0 music.wav       # playback stream 0 of card N\n"
"\n"
"Volume: each stream has a volume (\"PCM Playback Volume\" or \"Capture\n"
"Volume\", -60 to 0 dB in 0.5 dB steps, the minimum mutes) and a switch\n"
"(\"... Switch\") in the guest's mixer. They are applied to the audio here:\n"
"playback before the end gets it, capture before the guest does. At 0 dB\n"
"with the switch on the bytes pass unchanged (bit-exact); muted gives exact\n"
"digital silence; a change takes effect within one period, ramped over it.\n"
"\n"
"Jacks: for ALSA ends, every control of the bound card with iface CARD, type\n"
"BOOLEAN and a name ending in \" Jack\" (\"Headphone Jack\") becomes a jack\n"
"of the guest's card, on the PCM device of a stream bound to that card; its\n"
"plugging and unplugging reach the guest as jack events. null and wav: ends\n"
"have no jacks.\n"
"\n"
"Service manager (systemd, Type=notify): READY=1 once the socket listens;\n"
"STATUS= says whether it is listening or serving a frontend and how many\n"
"streams run; WATCHDOG=1 every WatchdogSec/2 from the event loop when the\n"
"unit sets WatchdogSec= (WATCHDOG_USEC); STOPPING=1 on SIGINT/SIGTERM.\n"
"Without NOTIFY_SOCKET nothing is sent.\n"
"\n"
"Exit status: 0 stopped by SIGINT/SIGTERM; 1 start-up failure (socket,\n"
"ALSA probe, memory); 2 bad command line or config file.\n", f);
}

static int failf(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int failf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static int copy_str(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);

	if (n == 0 || n >= cap)
		return -1;
	memcpy(dst, src, n + 1);
	return 0;
}

static int parse_int(const char *s, long lo, long hi, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return -1;
	*out = (int)v;
	return 0;
}

static int add_stream(struct vus_opts *o, const char *spec, char *err, size_t errlen)
{
	struct vus_stream_opt *s;
	const char *colon = strchr(spec, ':');
	size_t dlen = colon ? (size_t)(colon - spec) : 0;

	if (!colon)
		return failf(err, errlen, "--stream %s: want playback:END or capture:END", spec);
	if (o->n_streams >= VUS_MAX_STREAMS)
		return failf(err, errlen, "--stream %s: at most %d streams", spec, VUS_MAX_STREAMS);
	s = &o->streams[o->n_streams];
	if (dlen == 8 && !strncmp(spec, "playback", 8))
		s->direction = VIRTIO_SND_D_OUTPUT;
	else if (dlen == 7 && !strncmp(spec, "capture", 7))
		s->direction = VIRTIO_SND_D_INPUT;
	else
		return failf(err, errlen, "--stream %s: direction must be playback or capture",
			     spec);
	if (copy_str(s->end, sizeof(s->end), colon + 1))
		return failf(err, errlen, "--stream %s: the end name is empty or too long", spec);
	if (!strcmp(s->end, "wav:"))
		return failf(err, errlen, "--stream %s: wav: needs a path", spec);
	o->n_streams++;
	return 0;
}

static int parse_config(struct vus_opts *o, const char *path, int depth, char *err,
			size_t errlen);

/* One option with its value (NULL for flags). */
static int apply(struct vus_opts *o, const char *key, const char *val, int depth, char *err,
		 size_t errlen)
{
	static const char *const with_value[] = { "socket-path", "fd", "stream", "config",
						  "rt-priority", "host-periods", "name" };
	size_t i;
	bool needs = false;

	for (i = 0; i < sizeof(with_value) / sizeof(with_value[0]); i++)
		needs |= !strcmp(key, with_value[i]);
	if (needs && !val)
		return failf(err, errlen, "--%s needs a value", key);
	if (!needs && val)
		return failf(err, errlen, "--%s takes no value", key);
	if (!strcmp(key, "socket-path")) {
		if (copy_str(o->socket_path, sizeof(o->socket_path), val))
			return failf(err, errlen, "--socket-path: empty or longer than %d bytes",
				     VUS_PATH_MAX - 1);
	} else if (!strcmp(key, "fd")) {
		if (parse_int(val, 0, INT_MAX, &o->fd))
			return failf(err, errlen, "--fd %s: not a file descriptor number", val);
	} else if (!strcmp(key, "stream")) {
		return add_stream(o, val, err, errlen);
	} else if (!strcmp(key, "config")) {
		return parse_config(o, val, depth + 1, err, errlen);
	} else if (!strcmp(key, "rt-priority")) {
		if (parse_int(val, 0, 99, &o->rt_priority))
			return failf(err, errlen, "--rt-priority %s: want 0-99", val);
	} else if (!strcmp(key, "host-periods")) {
		if (parse_int(val, SND_END_HOST_PERIODS_MIN, SND_END_HOST_PERIODS_MAX,
			      &o->host_periods))
			return failf(err, errlen, "--host-periods %s: want %d-%d", val,
				     SND_END_HOST_PERIODS_MIN, SND_END_HOST_PERIODS_MAX);
	} else if (!strcmp(key, "name")) {
		if (copy_str(o->name, sizeof(o->name), val))
			return failf(err, errlen, "--name: empty or longer than %zu bytes",
				     sizeof(o->name) - 1);
	} else if (!strcmp(key, "verbose") || !strcmp(key, "v")) {
		o->verbose = true;
	} else if (!strcmp(key, "help") || !strcmp(key, "h")) {
		o->help = true;
	} else if (!strcmp(key, "print-capabilities")) {
		o->print_capabilities = true;
	} else {
		return failf(err, errlen, "unknown option --%s (see --help)", key);
	}
	return 0;
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

static int parse_config(struct vus_opts *o, const char *path, int depth, char *err,
			size_t errlen)
{
	char line[1024], e2[512];
	unsigned int lineno = 0;
	FILE *f;
	int r = 0;

	if (depth > CONFIG_DEPTH_MAX)
		return failf(err, errlen, "%s: config files nested too deep", path);
	f = fopen(path, "re");
	if (!f)
		return failf(err, errlen, "--config %s: %s", path, strerror(errno));
	while (r == 0 && fgets(line, sizeof(line), f)) {
		char *hash = strchr(line, '#'), *key, *val;

		lineno++;
		if (hash)
			*hash = '\0';
		key = trim(line);
		if (!*key)
			continue;
		val = key + strcspn(key, " \t=");
		if (*val) {
			*val++ = '\0';
			val = trim(val);
			if (*val == '=')
				val = trim(val + 1);
			if (!*val)
				val = NULL;
		} else {
			val = NULL;
		}
		if (apply(o, key, val, depth, e2, sizeof(e2)))
			r = failf(err, errlen, "%s:%u: %s", path, lineno, e2);
	}
	if (r == 0 && ferror(f))
		r = failf(err, errlen, "%s: read error", path);
	fclose(f);
	return r;
}

int vus_cli_parse(int argc, char **argv, struct vus_opts *o, char *err, size_t errlen)
{
	int i;

	memset(o, 0, sizeof(*o));
	o->fd = -1;
	snprintf(o->name, sizeof(o->name), "vhost-user-sound");
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *val = NULL;
		char key[64];
		size_t klen;

		if (!strcmp(a, "-h") || !strcmp(a, "-v")) {
			if (apply(o, a + 1, NULL, 0, err, errlen))
				return -1;
			continue;
		}
		if (strncmp(a, "--", 2) || !a[2])
			return failf(err, errlen, "unexpected argument '%s' (see --help)", a);
		a += 2;
		klen = strcspn(a, "=");
		if (klen >= sizeof(key))
			return failf(err, errlen, "unknown option --%s (see --help)", a);
		memcpy(key, a, klen);
		key[klen] = '\0';
		if (a[klen] == '=')
			val = a + klen + 1;
		else if (strcmp(key, "verbose") && strcmp(key, "help") &&
			 strcmp(key, "print-capabilities") && i + 1 < argc)
			val = argv[++i];
		if (apply(o, key, val, 0, err, errlen))
			return -1;
	}
	if (o->help || o->print_capabilities)
		return 0;
	if (!o->socket_path[0] && o->fd < 0)
		return failf(err, errlen, "no socket: give --socket-path PATH or --fd N");
	if (o->socket_path[0] && o->fd >= 0)
		return failf(err, errlen, "--socket-path and --fd exclude each other");
	if (!o->n_streams)
		return failf(err, errlen, "no stream: give at least one --stream DIR:END");
	return 0;
}
