// SPDX-License-Identifier: MIT
/*
 * Unit tests of the ends (sound-backend/end_*.c) through their ops: the
 * factory, host buffer sizing, null pacing (exactly rate frames per second,
 * underrun counting, stop keeps the queue), wav playback headers for plain
 * and extensible formats, wav capture format checks, the ALSA end's
 * refusal of a PCM that does not exist (no fallback to "default"), and the
 * xrun accounting behind its once-per-burst log (snd_xrun_note).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "end_pace.h"
#include "snd_ends.h"
#include "snd_format.h"

static struct snd_end_params params(uint8_t dir, uint8_t vformat, uint8_t channels,
				    unsigned int rate, uint32_t period_frames, uint32_t periods)
{
	struct snd_end_params p;

	memset(&p, 0, sizeof(p));
	p.direction = dir;
	p.vformat = vformat;
	p.format = snd_format_to_alsa(vformat);
	p.channels = channels;
	p.rate_hz = rate;
	p.vrate = (uint8_t)snd_rate_from_hz(rate);
	p.frame_bytes = snd_format_frame_bytes(vformat, channels);
	p.period_bytes = period_frames * p.frame_bytes;
	p.buffer_bytes = p.period_bytes * periods;
	return p;
}

static void test_factory(void **state)
{
	(void)state;
	assert_ptr_equal(snd_end_for_name("null"), &snd_end_null_ops);
	assert_ptr_equal(snd_end_for_name("wav:/tmp/x.wav"), &snd_end_wav_ops);
	assert_ptr_equal(snd_end_for_name("hw:Loopback,0,0"), &snd_end_alsa_ops);
	assert_ptr_equal(snd_end_for_name("plughw:1"), &snd_end_alsa_ops);
	assert_ptr_equal(snd_end_for_name("nullx"), &snd_end_alsa_ops);
	assert_ptr_equal(snd_end_for_name(""), &snd_end_alsa_ops);
	assert_ptr_equal(snd_end_for_name(NULL), &snd_end_alsa_ops);
}

static void test_host_buffer(void **state)
{
	struct snd_end_params p = params(VIRTIO_SND_D_OUTPUT, VIRTIO_SND_PCM_FMT_S16, 2, 48000,
					 480, 16);
	uint32_t per, buf;

	(void)state;
	snd_end_host_buffer(&p, &per, &buf);
	assert_int_equal(per, 480);
	assert_int_equal(buf, 4 * 480);		/* at most 4 periods by default */
	p.host_periods = 8;			/* --host-periods 8 */
	snd_end_host_buffer(&p, &per, &buf);
	assert_int_equal(buf, 8 * 480);
	p.host_periods = 15;
	snd_end_host_buffer(&p, &per, &buf);
	assert_int_equal(buf, 15 * 480);	/* 16 guest periods: all but one */
	/* Never the guest's whole buffer (the virtio_snd wrap stall): a guest
	 * of 4 periods gets 3, of 3 gets 2, whatever the depth allowed. */
	p.buffer_bytes = p.period_bytes * 4;
	snd_end_host_buffer(&p, &per, &buf);
	assert_int_equal(buf, 3 * 480);
	p.host_periods = 0;
	snd_end_host_buffer(&p, &per, &buf);
	assert_int_equal(buf, 3 * 480);
	p.buffer_bytes = p.period_bytes * 3;
	snd_end_host_buffer(&p, &per, &buf);
	assert_int_equal(buf, 2 * 480);
	p.buffer_bytes = p.period_bytes;
	snd_end_host_buffer(&p, &per, &buf);
	assert_int_equal(buf, 2 * 480);		/* at least 2 */
}

static uint64_t now_ns(void)
{
	return end_pace_now_ns();
}

static void test_null_paced(void **state)
{
	const struct snd_end_ops *ops = &snd_end_null_ops;
	struct snd_end_params p = params(VIRTIO_SND_D_OUTPUT, VIRTIO_SND_PCM_FMT_S16, 2, 48000,
					 480, 8);
	uint8_t buf[480 * 4];
	void *h;
	uint64_t t0, total = 0, ns;
	uint32_t d;
	struct snd_end_stats st;

	(void)state;
	assert_int_equal(ops->open(NULL, "null", &p, &h), 0);
	assert_int_equal(ops->prepare(h), 0);
	/* before start: the buffer takes 4 periods, then nothing */
	for (int i = 0; i < 5; i++)
		total += (uint64_t)ops->write(h, buf, 480);
	assert_int_equal(total, 4 * 480);
	assert_int_equal(ops->delay_frames(h, &d), 0);
	assert_int_equal(d, 4 * 480);
	assert_int_equal(ops->start(h), 0);
	t0 = now_ns();
	/* keep it fed for 200 ms: it must take about 9600 frames more */
	while (now_ns() - t0 < 200000000ull) {
		long n = ops->write(h, buf, 480);

		assert_true(n >= 0);
		total += (uint64_t)n;
		assert_int_equal(ops->wait_ns(h, 480, &ns), 0);
		assert_true(ns <= 10000000ull + 1000);
		usleep(ns ? (useconds_t)(ns / 1000) + 100 : 100);
	}
	/* consumed = total - delay = 48000 * elapsed, within 2 periods; never
	 * more. A loaded machine may starve this thread for longer than the
	 * 40 ms buffer: the end then underruns (counted) and consumes less,
	 * which is right, so the lower bound holds only without underruns. */
	ops->delay_frames(h, &d);
	assert_int_equal(ops->stats(h, &st), 0);
	{
		double elapsed = (double)(now_ns() - t0) / 1e9;
		double consumed = (double)(total - d);

		if (!st.xruns)
			assert_true(consumed > 48000 * elapsed - 2 * 480);
		else
			assert_true(consumed > 4 * 480);
		assert_true(consumed < 48000 * elapsed + 2 * 480);
	}
	/* stop keeps what is queued, the clock stands still */
	assert_int_equal(ops->stop(h), 0);
	ops->delay_frames(h, &d);
	usleep(30000);
	{
		uint32_t d2;

		ops->delay_frames(h, &d2);
		assert_int_equal(d, d2);
	}
	/* start again and starve it: one underrun */
	assert_int_equal(ops->start(h), 0);
	usleep(150000);
	ops->delay_frames(h, &d);
	assert_int_equal(d, 0);
	assert_int_equal(ops->stats(h, &st), 0);
	assert_true(st.xruns >= 1);
	assert_int_equal(st.frames, total);
	ops->close(h);
}

static void test_null_capture_silence(void **state)
{
	const struct snd_end_ops *ops = &snd_end_null_ops;
	struct snd_end_params p = params(VIRTIO_SND_D_INPUT, VIRTIO_SND_PCM_FMT_U8, 1, 8000,
					 80, 4);
	uint8_t buf[80];
	void *h;
	long n;

	(void)state;
	assert_int_equal(ops->open(NULL, "null", &p, &h), 0);
	assert_int_equal(ops->prepare(h), 0);
	assert_int_equal(ops->read(h, buf, 80), 0);	/* not started: nothing */
	assert_int_equal(ops->start(h), 0);
	usleep(25000);
	memset(buf, 0x11, sizeof(buf));
	n = ops->read(h, buf, 80);
	assert_true(n >= 80 * 2 / 10 * 8 / 10 && n <= 80);
	for (long i = 0; i < n; i++)
		assert_int_equal(buf[i], 0x80);	/* U8 silence */
	ops->close(h);
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *b;
	long sz;

	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	sz = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	b = malloc((size_t)sz + 1);
	assert_non_null(b);
	assert_int_equal(fread(b, 1, (size_t)sz, fp), (size_t)sz);
	fclose(fp);
	*len = (size_t)sz;
	return b;
}

/* Play `frames' frames through a wav end, return the file. */
static uint8_t *wav_play(const struct snd_end_params *p, const uint8_t *data, uint32_t frames,
			 size_t *len)
{
	const struct snd_end_ops *ops = &snd_end_wav_ops;
	char name[96];
	void *h;
	uint32_t off = 0;
	uint8_t *file;

	snprintf(name, sizeof(name), "wav:/tmp/test_snd_ends.%d.wav", (int)getpid());
	assert_int_equal(ops->open(NULL, name, p, &h), 0);
	assert_int_equal(ops->prepare(h), 0);
	assert_int_equal(ops->start(h), 0);
	while (off < frames) {
		long n = ops->write(h, data + (size_t)off * p->frame_bytes, frames - off);
		uint64_t ns;

		assert_true(n >= 0);
		off += (uint32_t)n;
		ops->wait_ns(h, 1, &ns);
		usleep((useconds_t)(ns / 1000) + 200);
	}
	ops->close(h);
	file = slurp(name + 4, len);
	unlink(name + 4);
	return file;
}

/* Read @frames frames of @frame_bytes from a started capture end, as paced. */
static void read_frames(const struct snd_end_ops *ops, void *h, uint8_t *buf, uint32_t frames,
			uint32_t frame_bytes)
{
	uint32_t off = 0;

	while (off < frames) {
		long n;

		usleep(2000);
		n = ops->read(h, buf + (size_t)off * frame_bytes, frames - off);
		assert_true(n >= 0);
		off += (uint32_t)n;
	}
}

static void test_wav_headers(void **state)
{
	uint8_t data[3 * 6 * 50];
	size_t len;
	uint8_t *f;
	struct snd_end_params p;

	(void)state;
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 13 + 5);

	/* S24_3LE mono 8 kHz: plain PCM, 24 bit, odd data length padded */
	p = params(VIRTIO_SND_D_OUTPUT, VIRTIO_SND_PCM_FMT_S24_3, 1, 8000, 40, 4);
	f = wav_play(&p, data, 51, &len);
	assert_int_equal(snd_get_le16(f + 20), 1);
	assert_int_equal(snd_get_le16(f + 34), 24);
	assert_int_equal(snd_get_le32(f + 40), 153);
	assert_int_equal(len, 44 + 153 + 1);
	assert_int_equal(snd_get_le32(f + 4), len - 8);
	assert_memory_equal(f + 44, data, 153);
	free(f);

	/* S24_LE (4-byte container) 6 ch: extensible, valid bits 24 */
	p = params(VIRTIO_SND_D_OUTPUT, VIRTIO_SND_PCM_FMT_S24, 6, 48000, 48, 4);
	f = wav_play(&p, data, 20, &len);
	assert_int_equal(snd_get_le16(f + 20), 0xfffe);
	assert_int_equal(snd_get_le16(f + 22), 6);
	assert_int_equal(snd_get_le16(f + 34), 32);
	assert_int_equal(snd_get_le16(f + 38), 24);
	assert_int_equal(snd_get_le16(f + 44), 1);	/* subformat PCM */
	assert_memory_equal(f + 60, "data", 4);
	assert_int_equal(snd_get_le32(f + 64), 20 * 24);
	assert_memory_equal(f + 68, data, 20 * 24);
	free(f);

	/* FLOAT_LE stereo: plain IEEE float */
	p = params(VIRTIO_SND_D_OUTPUT, VIRTIO_SND_PCM_FMT_FLOAT, 2, 44100, 441, 4);
	f = wav_play(&p, data, 100, &len);
	assert_int_equal(snd_get_le16(f + 20), 3);
	assert_memory_equal(f + 44, data, 800);
	free(f);
}

/* What the playback end writes, the capture end reads back (same format). */
static void test_wav_roundtrip_and_mismatch(void **state)
{
	const struct snd_end_ops *ops = &snd_end_wav_ops;
	/* 10 ms periods: a loaded machine may sleep past a shorter buffer,
	 * and an overrun would skip frames of the read-back */
	struct snd_end_params p = params(VIRTIO_SND_D_OUTPUT, VIRTIO_SND_PCM_FMT_S24, 6, 48000,
					 480, 4);
	char name[96];
	uint8_t data[24 * 30], got[24 * 30];
	void *h, *w;

	(void)state;
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + 1);
	snprintf(name, sizeof(name), "wav:/tmp/test_snd_ends.rt.%d.wav", (int)getpid());
	assert_int_equal(ops->open(NULL, name, &p, &w), 0);
	assert_int_equal(ops->write(w, data, 30), 30);	/* fits in 4 periods */
	ops->close(w);

	p.direction = VIRTIO_SND_D_INPUT;
	assert_int_equal(ops->open(NULL, name, &p, &h), 0);
	assert_int_equal(ops->prepare(h), 0);
	assert_int_equal(ops->start(h), 0);
	read_frames(ops, h, got, 30, 24);
	assert_memory_equal(got, data, sizeof(data));
	ops->close(h);

	/* format, channels, rate must match */
	p.channels = 2;
	p.frame_bytes = 8;
	assert_int_not_equal(ops->open(NULL, name, &p, &h), 0);
	p = params(VIRTIO_SND_D_INPUT, VIRTIO_SND_PCM_FMT_S32, 6, 48000, 48, 4);
	assert_int_not_equal(ops->open(NULL, name, &p, &h), 0);
	p = params(VIRTIO_SND_D_INPUT, VIRTIO_SND_PCM_FMT_S24, 6, 44100, 48, 4);
	assert_int_not_equal(ops->open(NULL, name, &p, &h), 0);
	unlink(name + 4);
	assert_int_equal(ops->open(NULL, name, &p, &h), -ENOENT);
	assert_int_not_equal(ops->open(NULL, "wav:", &p, &h), 0);
}

/* A capture file as `arecord -f S24_LE` writes it: a plain header with 24
 * bits per sample in 4-byte blocks per channel is S24_LE, not S24_3LE. */
static void test_wav_plain_s24_le(void **state)
{
	const struct snd_end_ops *ops = &snd_end_wav_ops;
	static const uint8_t hdr[44] = {
		'R', 'I', 'F', 'F', 36 + 32, 0, 0, 0, 'W', 'A', 'V', 'E',
		'f', 'm', 't', ' ', 16, 0, 0, 0, 1, 0, 2, 0,	/* PCM, 2 ch */
		0x80, 0xbb, 0, 0, 0x00, 0xdc, 0x05, 0,		/* 48000 Hz, 384000 B/s */
		8, 0, 24, 0,					/* block 8, 24 bits */
		'd', 'a', 't', 'a', 32, 0, 0, 0,
	};
	struct snd_end_params p = params(VIRTIO_SND_D_INPUT, VIRTIO_SND_PCM_FMT_S24, 2, 48000,
					 480, 4);
	uint8_t data[32], got[32];
	char name[96];
	FILE *f;
	void *h;

	(void)state;
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 11 + 3);
	snprintf(name, sizeof(name), "wav:/tmp/test_snd_ends.s24.%d.wav", (int)getpid());
	f = fopen(name + 4, "we");
	assert_non_null(f);
	assert_int_equal(fwrite(hdr, 1, sizeof(hdr), f), sizeof(hdr));
	assert_int_equal(fwrite(data, 1, sizeof(data), f), sizeof(data));
	assert_int_equal(fclose(f), 0);

	assert_int_equal(ops->open(NULL, name, &p, &h), 0);
	assert_int_equal(ops->prepare(h), 0);
	assert_int_equal(ops->start(h), 0);
	read_frames(ops, h, got, 4, 8);
	assert_memory_equal(got, data, sizeof(got));
	ops->close(h);
	/* ... and not the packed format */
	p = params(VIRTIO_SND_D_INPUT, VIRTIO_SND_PCM_FMT_S24_3, 2, 48000, 480, 4);
	assert_int_not_equal(ops->open(NULL, name, &p, &h), 0);
	unlink(name + 4);
}

static void test_alsa_no_fallback(void **state)
{
	const struct snd_end_ops *ops = &snd_end_alsa_ops;
	struct snd_end_params p = params(VIRTIO_SND_D_OUTPUT, VIRTIO_SND_PCM_FMT_S16, 2, 48000,
					 480, 4);
	struct snd_end_probe probe;
	char err[128] = "";
	void *h = NULL;

	(void)state;
	assert_true(ops->open(NULL, "hw:NoSuchCard,0,0", &p, &h) < 0);
	assert_null(h);
	assert_true(ops->open(NULL, "", &p, &h) < 0);
	assert_true(snd_end_alsa_probe("hw:NoSuchCard,0,0", VIRTIO_SND_D_OUTPUT, &probe, err,
				       sizeof(err)) < 0);
	assert_non_null(strstr(err, "NoSuchCard"));
}

/* ALSA's own "null" PCM plugin exists wherever alsa-lib's config does: the
 * probe and the data path run against it on a machine without a card. */
static void test_alsa_null_plugin(void **state)
{
	const struct snd_end_ops *ops = &snd_end_alsa_ops;
	struct snd_end_params p = params(VIRTIO_SND_D_OUTPUT, VIRTIO_SND_PCM_FMT_S16, 2, 48000,
					 480, 4);
	struct snd_end_probe probe;
	struct snd_pcm_caps caps;
	char err[128] = "";
	uint8_t buf[480 * 4] = { 0 };
	void *h;
	uint32_t d;

	(void)state;
	if (snd_end_alsa_probe("null", VIRTIO_SND_D_OUTPUT, &probe, err, sizeof(err))) {
		print_message("ALSA null plugin unavailable (%s): skipped\n", err);
		skip();
	}
	assert_int_equal(snd_caps_from_probe(&probe.caps, &caps), 0);
	assert_true(caps.formats & (1u << VIRTIO_SND_PCM_FMT_S16));
	assert_true(caps.rates & (1u << VIRTIO_SND_PCM_RATE_48000));
	assert_true(caps.channels_min >= 1 && caps.channels_max <= 18);
	assert_int_equal(ops->open(NULL, "null", &p, &h), 0);
	assert_int_equal(ops->prepare(h), 0);
	assert_int_equal(ops->start(h), 0);
	assert_true(ops->write(h, buf, 480) >= 0);
	assert_int_equal(ops->delay_frames(h, &d), 0);
	assert_int_equal(ops->stop(h), 0);
	ops->close(h);
}

/*
 * The ALSA end logs an xrun only when snd_xrun_note says it opens a burst:
 * xruns at period spacing (a device starved for a while) are one line, a
 * burst that lasts longer than SND_XRUN_BURST_NS is still one as long as no
 * gap reaches it, the next burst's line carries the previous burst's count.
 */
static void test_xrun_bursts(void **state)
{
	struct snd_xrun_log l;
	uint64_t t = 7 * SND_XRUN_BURST_NS, prev = 99;
	int lines = 0;

	(void)state;
	memset(&l, 0, sizeof(l));
	/* burst 1: 50 xruns, one per 10 ms period */
	for (int i = 0; i < 50; i++, t += 10000000ull)
		lines += snd_xrun_note(&l, t, &prev);
	assert_int_equal(lines, 1);
	assert_int_equal(l.total, 50);
	assert_int_equal(l.burst, 50);
	/* burst 2, 1.5 s later: it opens with the count of burst 1 */
	t += SND_XRUN_BURST_NS / 2 * 3;
	assert_int_equal(snd_xrun_note(&l, t, &prev), 1);
	assert_int_equal(prev, 50);
	/* ... and goes on for 5 s, one xrun per 0.9 s: no second line */
	for (int i = 0; i < 6; i++) {
		t += SND_XRUN_BURST_NS / 10 * 9;
		assert_int_equal(snd_xrun_note(&l, t, &prev), 0);
		assert_int_equal(prev, 0);
	}
	/* a gap of exactly the burst time does not split a burst; more does */
	t += SND_XRUN_BURST_NS;
	assert_int_equal(snd_xrun_note(&l, t, &prev), 0);
	t += SND_XRUN_BURST_NS + 1;
	assert_int_equal(snd_xrun_note(&l, t, &prev), 1);
	assert_int_equal(prev, 8);
	/* a lone xrun, then another much later: the previous burst had 1 */
	t += 60 * SND_XRUN_BURST_NS;
	assert_int_equal(snd_xrun_note(&l, t, &prev), 1);
	assert_int_equal(prev, 1);
	assert_int_equal(l.total, 50 + 8 + 1 + 1);
	/* the very first xrun opens a burst whatever the clock says */
	memset(&l, 0, sizeof(l));
	assert_int_equal(snd_xrun_note(&l, 0, &prev), 1);
	assert_int_equal(prev, 0);
	assert_int_equal(snd_xrun_note(&l, 5, &prev), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_factory),
		cmocka_unit_test(test_host_buffer),
		cmocka_unit_test(test_null_paced),
		cmocka_unit_test(test_null_capture_silence),
		cmocka_unit_test(test_wav_headers),
		cmocka_unit_test(test_wav_roundtrip_and_mismatch),
		cmocka_unit_test(test_wav_plain_s24_le),
		cmocka_unit_test(test_alsa_no_fallback),
		cmocka_unit_test(test_alsa_null_plugin),
		cmocka_unit_test(test_xrun_bursts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
