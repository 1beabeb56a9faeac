// SPDX-License-Identifier: MIT
/*
 * Guest-side test of the ALSA end (sound-backend/end_alsa.c), run in the VM
 * bench by tests/e2e/guest/snd-end-alsa.sh against snd-aloop:
 *
 *   snd-end-alsa-test probe PCM playback|capture
 *       print what snd_end_alsa_probe + snd_caps_from_probe advertise:
 *       "formats: S16_LE ...", "rates: 8000 ...", "channels: MIN-MAX"
 *   snd-end-alsa-test play PCM FILE.wav [PERIOD_MS [AT_MS:STALL_MS:COUNT ...]]
 *       play FILE's data chunk through the end API exactly as the I/O layer
 *       does (write, wait_ns, delay_frames), wait until drained, close.
 *       Prints frames written, xruns and the elapsed time.
 *       Each AT_MS:STALL_MS:COUNT is a burst of stalls: once AT_MS of the
 *       file is written, COUNT times stop writing for STALL_MS, with one
 *       period written between two stalls (a stall longer than the host
 *       buffer is an underrun). Prints "stall at frame N" for each, N the
 *       frames written before it.
 *   snd-end-alsa-test record PCM TEMPLATE.wav OUT.wav [PERIOD_MS]
 *       capture through the end API as the I/O layer does (read, wait_ns)
 *       in TEMPLATE's format, TEMPLATE's length plus 2 s, into OUT.
 *
 * The format of FILE picks the stream parameters (S16_LE, S24_3LE, S24_LE,
 * S32_LE, FLOAT_LE, U8; any channel count and virtio rate).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "snd_ends.h"
#include "snd_format.h"
#include "snd_proto.h"

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int probe(const char *pcm, const char *dir)
{
	struct snd_end_probe res;
	struct snd_pcm_caps caps;
	char err[256];
	uint8_t d = strcmp(dir, "capture") ? VIRTIO_SND_D_OUTPUT : VIRTIO_SND_D_INPUT;

	if (snd_end_alsa_probe(pcm, d, &res, err, sizeof(err))) {
		fprintf(stderr, "probe: %s\n", err);
		return 1;
	}
	if (snd_caps_from_probe(&res.caps, &caps)) {
		fprintf(stderr, "probe: nothing virtio_snd can map\n");
		return 1;
	}
	printf("formats:");
	for (unsigned int f = 0; f < 64; f++)
		if (caps.formats >> f & 1)
			printf(" %s", snd_format_name(f));
	printf("\nrates:");
	for (unsigned int r = 0; r < 64; r++)
		if (caps.rates >> r & 1)
			printf(" %u", snd_rate_to_hz(r));
	printf("\nchannels: %u-%u\n", caps.channels_min, caps.channels_max);
	return 0;
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)le16(p) | (uint32_t)le16(p + 2) << 16;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

#define MAX_STALLS 64

/* "AT_MS:STALL_MS:COUNT" arguments: the frames to stall at, in order. */
static int parse_stalls(char **arg, int n, uint32_t rate, uint32_t period, uint32_t *at,
			unsigned int *ms, unsigned int *count)
{
	*count = 0;
	for (int i = 0; i < n; i++) {
		unsigned int at_ms, stall_ms, k;
		uint32_t first;

		if (sscanf(arg[i], "%u:%u:%u", &at_ms, &stall_ms, &k) != 3 || !k ||
		    *count + k > MAX_STALLS) {
			fprintf(stderr, "bad stall burst '%s'\n", arg[i]);
			return -1;
		}
		first = (uint32_t)((uint64_t)at_ms * rate / 1000);
		for (unsigned int j = 0; j < k; j++) {
			at[*count] = first + j * period;
			ms[*count] = stall_ms;
			if (*count && at[*count] <= at[*count - 1]) {
				fprintf(stderr, "stall bursts overlap or are out of order\n");
				return -1;
			}
			(*count)++;
		}
	}
	return 0;
}

/* A WAV file in memory: its bytes, the data chunk and the stream it needs. */
struct wav_in {
	uint8_t *buf;		/* the whole file */
	uint8_t *data;		/* its data chunk */
	size_t data_len;
	struct snd_end_params p;	/* direction output; no period yet */
};

/* Read FILE; its format picks the stream parameters. 0, or 1 (said why). */
static int load_wav(const char *path, struct wav_in *w)
{
	FILE *fp = fopen(path, "rb");
	size_t len = 0, pos = 12;
	uint16_t tag = 0, bits = 0, valid = 0, align = 0, ch = 0;
	uint32_t rate = 0;
	int vformat = -1;

	memset(w, 0, sizeof(*w));
	if (!fp) {
		perror(path);
		return 1;
	}
	w->buf = malloc(64u << 20);
	if (!w->buf) {
		fclose(fp);
		return 1;
	}
	len = fread(w->buf, 1, 64u << 20, fp);
	fclose(fp);
	while (pos + 8 <= len) {
		uint32_t cl = le32(w->buf + pos + 4);

		if (!memcmp(w->buf + pos, "fmt ", 4)) {
			tag = le16(w->buf + pos + 8);
			ch = le16(w->buf + pos + 10);
			rate = le32(w->buf + pos + 12);
			align = le16(w->buf + pos + 20);
			bits = le16(w->buf + pos + 22);
			valid = bits;
			if (tag == 0xfffe) {
				valid = le16(w->buf + pos + 26);
				tag = le16(w->buf + pos + 32);
			}
		} else if (!memcmp(w->buf + pos, "data", 4)) {
			w->data = w->buf + pos + 8;
			w->data_len = cl > len - pos - 8 ? len - pos - 8 : cl;
			break;
		}
		pos += 8 + cl + (cl & 1);
	}
	if (tag == 3 && bits == 32)
		vformat = VIRTIO_SND_PCM_FMT_FLOAT;
	else if (tag == 1 && bits == 8)
		vformat = VIRTIO_SND_PCM_FMT_U8;
	else if (tag == 1 && bits == 16)
		vformat = VIRTIO_SND_PCM_FMT_S16;
	else if (tag == 1 && valid == 24 && ch && align == 4 * ch)
		vformat = VIRTIO_SND_PCM_FMT_S24;	/* 24 in 32 bits, as arecord writes it */
	else if (tag == 1 && bits == 24)
		vformat = VIRTIO_SND_PCM_FMT_S24_3;
	else if (tag == 1 && bits == 32 && valid == 32)
		vformat = VIRTIO_SND_PCM_FMT_S32;
	if (!w->data || vformat < 0 || !ch || snd_rate_from_hz(rate) < 0) {
		fprintf(stderr, "%s: unusable WAV\n", path);
		free(w->buf);
		w->buf = NULL;
		return 1;
	}
	w->p.direction = VIRTIO_SND_D_OUTPUT;
	w->p.vformat = (uint8_t)vformat;
	w->p.format = snd_format_to_alsa((unsigned int)vformat);
	w->p.channels = (uint8_t)ch;
	w->p.rate_hz = rate;
	w->p.vrate = (uint8_t)snd_rate_from_hz(rate);
	w->p.frame_bytes = snd_format_frame_bytes((unsigned int)vformat, ch);
	return 0;
}

/* The stream's period and a buffer of 4 of them. */
static uint32_t set_period(struct snd_end_params *p, unsigned int period_ms)
{
	uint32_t period = p->rate_hz * period_ms / 1000;

	p->period_bytes = period * p->frame_bytes;
	p->buffer_bytes = p->period_bytes * 4;
	return period;
}

/* Open PCM for p and start it; prints which step failed. 0 or -1. */
static int open_started(const struct snd_end_ops *ops, const char *pcm,
			const struct snd_end_params *p, void **h)
{
	if (ops->open(NULL, pcm, p, h)) {
		fprintf(stderr, "open %s failed\n", pcm);
		return -1;
	}
	if (ops->prepare(*h) || ops->start(*h)) {
		fprintf(stderr, "prepare/start failed\n");
		ops->close(*h);
		return -1;
	}
	return 0;
}

/* After a write or read that moved fewer than n frames: sleep as the I/O
 * layer would, for what wait_ns says, at most 20 ms. */
static void wait_room(const struct snd_end_ops *ops, void *h, uint32_t n)
{
	uint64_t ns = 0;

	ops->wait_ns(h, n, &ns);
	if (ns > 20000000ull)
		ns = 20000000ull;
	usleep((useconds_t)(ns / 1000) + 100);
}

static int play(const char *pcm, const char *path, unsigned int period_ms, char **stall_arg,
		int n_stall_arg)
{
	uint32_t stall_at[MAX_STALLS];
	unsigned int stall_ms[MAX_STALLS], n_stalls = 0, next_stall = 0;
	const struct snd_end_ops *ops = snd_end_for_name(pcm);
	struct snd_end_params p;
	struct snd_end_stats st;
	struct wav_in in;
	uint8_t *data;
	uint32_t rate, period, off = 0, frames, d = 0;
	int rc = 1;
	void *h;
	uint64_t t0, deadline;

	if (load_wav(path, &in))
		return 1;
	p = in.p;
	data = in.data;
	rate = p.rate_hz;
	period = set_period(&p, period_ms);
	frames = (uint32_t)(in.data_len / p.frame_bytes);
	if (parse_stalls(stall_arg, n_stall_arg, rate, period, stall_at, stall_ms, &n_stalls))
		goto out;

	if (open_started(ops, pcm, &p, &h))
		goto out;
	t0 = now_ns();
	while (off < frames) {
		uint32_t n = frames - off < period ? frames - off : period;
		long w;

		if (next_stall < n_stalls && off >= stall_at[next_stall]) {
			printf("stall at frame %u for %u ms\n", off, stall_ms[next_stall]);
			fflush(stdout);
			usleep(stall_ms[next_stall] * 1000u);
			next_stall++;
		}
		w = ops->write(h, data + (size_t)off * p.frame_bytes, n);
		if (w < 0) {
			fprintf(stderr, "write failed: %ld\n", w);
			ops->close(h);
			goto out;
		}
		off += (uint32_t)w;
		if ((uint32_t)w < n)
			wait_room(ops, h, n);
	}
	/* drained when the delay reaches 0 (bounded) */
	deadline = now_ns() + 5000000000ull;
	do {
		usleep(5000);
		ops->delay_frames(h, &d);
	} while (d && now_ns() < deadline);
	ops->stats(h, &st);
	printf("played %u frames in %.3f s (%.3f s of audio), %llu xruns, final delay %u\n",
	       frames, (double)(now_ns() - t0) / 1e9, (double)frames / rate,
	       (unsigned long long)st.xruns, d);
	ops->stop(h);
	ops->close(h);
	rc = d ? 1 : 0;
out:
	free(in.buf);
	return rc;
}

/*
 * record: capture through the end API, as the I/O layer does (read,
 * wait_ns), the length of TEMPLATE's data plus 2 s, in TEMPLATE's
 * format, and write it as OUT (TEMPLATE's header, sizes patched).
 */
static int record(const char *pcm, const char *tmpl, const char *out, unsigned int period_ms)
{
	const struct snd_end_ops *ops = snd_end_for_name(pcm);
	struct snd_end_params p;
	struct snd_end_stats st;
	struct wav_in w;
	size_t hdr;
	uint32_t period, off = 0, frames;
	uint8_t *cap = NULL;
	FILE *fp;
	bool written;
	void *h;
	uint64_t deadline;
	int rc = 1;

	if (load_wav(tmpl, &w))
		return 1;
	p = w.p;
	p.direction = VIRTIO_SND_D_INPUT;
	period = set_period(&p, period_ms);
	frames = (uint32_t)(w.data_len / p.frame_bytes) + 2 * p.rate_hz;
	hdr = (size_t)(w.data - w.buf);
	cap = malloc((size_t)frames * p.frame_bytes);
	if (!cap) {
		fprintf(stderr, "record: out of memory\n");
		goto out;
	}
	if (open_started(ops, pcm, &p, &h))
		goto out;
	deadline = now_ns() + (uint64_t)frames * 1000000000ull / p.rate_hz * 2 + 5000000000ull;
	while (off < frames && now_ns() < deadline) {
		uint32_t n = frames - off < period ? frames - off : period;
		long r = ops->read(h, cap + (size_t)off * p.frame_bytes, n);

		if (r < 0) {
			fprintf(stderr, "record: read failed: %ld\n", r);
			ops->close(h);
			goto out;
		}
		off += (uint32_t)r;
		if ((uint32_t)r < n)
			wait_room(ops, h, n);
	}
	ops->stats(h, &st);
	printf("recorded %u of %u frames, %llu xruns\n", off, frames,
	       (unsigned long long)st.xruns);
	ops->stop(h);
	ops->close(h);
	/* the template's header, with this data chunk's sizes */
	put_le32(w.data - 4, off * p.frame_bytes);
	put_le32(w.buf + 4, (uint32_t)(hdr - 8) + off * p.frame_bytes);
	fp = fopen(out, "wb");
	if (!fp) {
		perror(out);
		goto out;
	}
	written = fwrite(w.buf, 1, hdr, fp) == hdr && fwrite(cap, p.frame_bytes, off, fp) == off;
	if (fclose(fp) || !written) {
		perror(out);
		goto out;
	}
	rc = off == frames ? 0 : 1;
out:
	free(cap);
	free(w.buf);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "probe"))
		return probe(argv[2], argv[3]);
	if ((argc == 5 || argc == 6) && !strcmp(argv[1], "record"))
		return record(argv[2], argv[3], argv[4], argc == 6 ? (unsigned int)atoi(argv[5]) : 20);
	if (argc >= 4 && !strcmp(argv[1], "play"))
		return play(argv[2], argv[3], argc >= 5 ? (unsigned int)atoi(argv[4]) : 20,
			    argv + 5, argc > 5 ? argc - 5 : 0);
	fprintf(stderr,
		"usage: %s probe PCM playback|capture |\n"
		"       play PCM FILE.wav [PERIOD_MS [AT_MS:STALL_MS:COUNT ...]] |\n"
		"       record PCM TEMPLATE.wav OUT.wav [PERIOD_MS]\n",
		argv[0]);
	return 2;
}
