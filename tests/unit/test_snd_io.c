// SPDX-License-Identifier: MIT
/*
 * Unit tests of the paced I/O layer (sound-backend/snd_io.c) driven through
 * the real stream state machine (snd_stream.c) with the null and wav ends:
 * tx pacing (completions a period apart, N periods in about N periods of
 * time), bit-exact wav playback across any iovec split, looping wav
 * capture, requests held while not started, RELEASE completing everything,
 * reset dropping everything, malformed requests. Timing assertions are
 * coarse (ordering and generous bounds): CI machines are busy.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "snd_ends.h"
#include "snd_format.h"
#include "snd_io.h"
#include "snd_stream.h"

#define RATE 48000
#define CH 2
#define FB 4		/* S16_LE stereo */
#define PERIOD_FRAMES 480	/* 10 ms */
#define PERIOD_BYTES (PERIOD_FRAMES * FB)
#define PERIOD_NS 10000000ull
#define MAXREQ 64

/* One request as the driver lays it out: header, payload, status. */
struct req {
	uint8_t hdr[4];
	uint8_t *payload;
	uint32_t payload_len;
	uint8_t status[8];
	struct iovec iov[8];
	unsigned int out_num, in_num;
	/* completion */
	int completed;
	uint32_t used;
	uint64_t t_ns;
	int order;
};

struct fx {
	struct snd_io *io;
	struct snd_stream s[3];	/* 0: output, 1: input, 2: output (fx_two_outputs) */
	uint32_t n_streams;
	struct snd_stream_hooks hooks;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int n_completed;
	/* A stalled audio thread: its next completion blocks while `stall'. */
	pid_t stall_tid;
	bool stall, stalled;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void on_complete(void *opaque, void *cookie, uint32_t used)
{
	struct fx *f = opaque;
	struct req *r = cookie;

	pthread_mutex_lock(&f->lock);
	r->completed++;
	r->used = used;
	r->t_ns = now_ns();
	r->order = f->n_completed++;
	pthread_cond_broadcast(&f->cond);
	/* Hold the audio thread here, where it holds neither the stream's
	 * lock nor its end: as if the scheduler gave it no CPU. */
	while (f->stall && gettid() == f->stall_tid) {
		f->stalled = true;
		pthread_cond_broadcast(&f->cond);
		pthread_cond_wait(&f->cond, &f->lock);
	}
	pthread_mutex_unlock(&f->lock);
}

/* Wait until `n' completions in total, at most timeout_ms. */
static int wait_completed(struct fx *f, int n, int timeout_ms)
{
	uint64_t end = now_ns() + (uint64_t)timeout_ms * 1000000ull;
	int got;

	pthread_mutex_lock(&f->lock);
	while (f->n_completed < n && now_ns() < end) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 5000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&f->cond, &f->lock, &ts);
	}
	got = f->n_completed;
	pthread_mutex_unlock(&f->lock);
	return got;
}

static int completed(struct fx *f)
{
	int n;

	pthread_mutex_lock(&f->lock);
	n = f->n_completed;
	pthread_mutex_unlock(&f->lock);
	return n;
}

/* Stall the stream 0 audio thread in its next completion (on_complete),
 * once it has said who it is. */
static void stall_arm(struct fx *f)
{
	struct snd_io_stats st = { 0 };

	for (int i = 0; i < 300; i++) {
		assert_int_equal(snd_io_stream_stats(f->io, 0, &st), 0);
		if (st.tid > 0)
			break;
		usleep(10000);
	}
	assert_true(st.tid > 0);
	pthread_mutex_lock(&f->lock);
	f->stall_tid = st.tid;
	f->stall = true;
	pthread_mutex_unlock(&f->lock);
}

static void stall_release(struct fx *f)
{
	pthread_mutex_lock(&f->lock);
	f->stall = false;
	pthread_cond_broadcast(&f->cond);
	pthread_mutex_unlock(&f->lock);
}

/* When set, the output stream's end ops instead of out_end's (a wrapper). */
static const struct snd_end_ops *out_ops_override;
/* When set, the completion callback instead of on_complete. */
static snd_io_complete_fn complete_override;
/* When set, the poll_queue hook of snd_io_config. */
static void (*poll_override)(void *opaque, uint8_t direction, uint32_t stream_id, bool polling);
/* When set, a third stream: a second output, on out_end too. */
static bool fx_two_outputs;

static void fx_setup(struct fx *f, const char *out_end, const char *in_end, int rt)
{
	struct snd_io_stream_desc io_desc[3] = {
		{ VIRTIO_SND_D_OUTPUT,
		  out_ops_override ? out_ops_override : snd_end_for_name(out_end), NULL },
		{ VIRTIO_SND_D_INPUT, snd_end_for_name(in_end), NULL },
		{ VIRTIO_SND_D_OUTPUT, snd_end_for_name(out_end), NULL },
	};
	struct snd_io_config cfg = {
		.complete = complete_override ? complete_override : on_complete, .opaque = f, .rt_priority = rt, .name = "test",
		.poll_queue = poll_override,
	};

	memset(f, 0, sizeof(*f));
	pthread_mutex_init(&f->lock, NULL);
	pthread_cond_init(&f->cond, NULL);
	f->n_streams = fx_two_outputs ? 3 : 2;
	assert_int_equal(snd_io_create(&cfg, io_desc, f->n_streams, &f->io), 0);
	f->hooks.opaque = f->io;
	f->hooks.io_release = snd_io_release;
	for (uint32_t i = 0; i < f->n_streams; i++) {
		struct snd_stream_desc d = {
			.direction = io_desc[i].direction,
			.channels_min = 1,
			.channels_max = 2,
			.formats = 1u << VIRTIO_SND_PCM_FMT_S16,
			.rates = 1u << VIRTIO_SND_PCM_RATE_48000,
			.end_name = i == 1 ? in_end : out_end,
			.end_ops = &snd_io_end_ops,
			.end_ctx = snd_io_end_ctx(f->io, i),
		};
		assert_int_equal(snd_stream_init(&f->s[i], i, &d, &f->hooks), 0);
	}
}

static void fx_teardown(struct fx *f)
{
	snd_io_reset(f->io);
	for (uint32_t i = 0; i < f->n_streams; i++)
		snd_stream_reset(&f->s[i]);
	snd_io_destroy(f->io);
	pthread_cond_destroy(&f->cond);
	pthread_mutex_destroy(&f->lock);
}

static uint32_t set_params(struct snd_stream *s, uint32_t periods, uint8_t channels)
{
	struct virtio_snd_pcm_set_params p;

	memset(&p, 0, sizeof(p));
	snd_put_le32(&p.hdr.hdr.code, VIRTIO_SND_R_PCM_SET_PARAMS);
	snd_put_le32(&p.hdr.stream_id, s->id);
	snd_put_le32(&p.buffer_bytes, periods * PERIOD_FRAMES * channels * 2u);
	snd_put_le32(&p.period_bytes, PERIOD_FRAMES * channels * 2u);
	p.channels = channels;
	p.format = VIRTIO_SND_PCM_FMT_S16;
	p.rate = VIRTIO_SND_PCM_RATE_48000;
	return snd_stream_set_params(s, &p);
}

/* A tx request for stream sid: header split 1+3, payload in three odd
 * pieces, status in one segment. */
static struct req *tx_req(uint32_t sid, uint32_t len, uint32_t seed)
{
	struct req *r = calloc(1, sizeof(*r));
	uint32_t a = len / 3 + 1, b = len / 5 + 1;

	assert_non_null(r);
	snd_put_le32(r->hdr, sid);
	r->payload = malloc(len ? len : 1);
	r->payload_len = len;
	for (uint32_t i = 0; i < len; i++)
		r->payload[i] = (uint8_t)((i * 2654435761u + seed * 40503u) >> 13);
	if (a + b > len)
		a = b = 0;
	r->iov[0] = (struct iovec){ r->hdr, 1 };
	r->iov[1] = (struct iovec){ r->hdr + 1, 3 };
	r->iov[2] = (struct iovec){ r->payload, a };
	r->iov[3] = (struct iovec){ r->payload + a, b };
	r->iov[4] = (struct iovec){ r->payload + a + b, len - a - b };
	r->iov[5] = (struct iovec){ r->status, 8 };
	r->out_num = 5;
	r->in_num = 1;
	memset(r->status, 0xee, sizeof(r->status));
	return r;
}

/* An rx request: header, then payload and status, payload split in two. */
static struct req *rx_req(uint32_t sid, uint32_t len)
{
	struct req *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	snd_put_le32(r->hdr, sid);
	r->payload = malloc(len ? len : 1);
	memset(r->payload, 0xaa, len);
	r->payload_len = len;
	r->iov[0] = (struct iovec){ r->hdr, 4 };
	r->iov[1] = (struct iovec){ r->payload, len / 2 + 1 > len ? len : len / 2 + 1 };
	r->iov[2] = (struct iovec){ r->payload + r->iov[1].iov_len, len - r->iov[1].iov_len };
	r->iov[3] = (struct iovec){ r->status, 8 };
	r->out_num = 1;
	r->in_num = 3;
	memset(r->status, 0xee, sizeof(r->status));
	return r;
}

static void req_free(struct req *r)
{
	free(r->payload);
	free(r);
}

static int submit(struct fx *f, uint8_t dir, struct req *r, uint32_t *used)
{
	return snd_io_submit(f->io, dir, r, r->iov, r->out_num, r->in_num, used);
}

static uint32_t st_status(const struct req *r)
{
	return snd_get_le32(r->status);
}

static uint32_t st_latency(const struct req *r)
{
	return snd_get_le32(r->status + 4);
}

static void tmp_path(char *buf, size_t len, const char *tag)
{
	snprintf(buf, len, "/tmp/test_snd_io.%d.%s.wav", (int)getpid(), tag);
}

/* A "wav:" end on a fresh temporary file: its path (tmp_path, for
 * write_wav, reading back and unlink) and the end name fx_setup takes. */
static void wav_end_name(char *path, size_t plen, char *name, size_t nlen, const char *tag)
{
	tmp_path(path, plen, tag);
	snprintf(name, nlen, "wav:%s", path);
}

/* --- tests */

static void test_tx_paced_null(void **state)
{
	struct fx f;
	struct req *r[10];
	const int n = 10;
	uint64_t t_start;
	uint32_t used;

	(void)state;
	fx_setup(&f, "null", "null", 0);
	assert_int_equal(set_params(&f.s[0], 4, 2), VIRTIO_SND_S_OK);
	assert_int_equal(snd_stream_prepare(&f.s[0]), VIRTIO_SND_S_OK);
	for (int i = 0; i < n; i++) {
		r[i] = tx_req(0, PERIOD_BYTES, (uint32_t)i);
		assert_int_equal(submit(&f, VIRTIO_SND_D_OUTPUT, r[i], &used), 0);
	}
	/* prebuffered, held until START */
	usleep(50000);
	assert_int_equal(completed(&f), 0);
	t_start = now_ns();
	assert_int_equal(snd_stream_start(&f.s[0]), VIRTIO_SND_S_OK);
	assert_int_equal(wait_completed(&f, n, 3000), n);
	for (int i = 0; i < n; i++) {
		assert_int_equal(r[i]->completed, 1);
		assert_int_equal(r[i]->order, i);
		assert_int_equal(r[i]->used, 8);
		assert_int_equal(st_status(r[i]), VIRTIO_SND_S_OK);
		/* truthful: a request completes when its frames have been
		 * played, so what the end still holds belongs to requests the
		 * guest counts as in flight; nothing to add on top of them */
		assert_int_equal(st_latency(r[i]), 0);
		if (i)
			assert_true(r[i]->t_ns >= r[i - 1]->t_ns);
	}
	/* not as soon as copied: the first after about a period */
	assert_true(r[0]->t_ns - t_start >= PERIOD_NS * 8 / 10);
	/* N periods take about N periods: coarse bounds */
	assert_true(r[n - 1]->t_ns - t_start >= (uint64_t)n * PERIOD_NS * 9 / 10);
	assert_true(r[n - 1]->t_ns - t_start <= (uint64_t)n * PERIOD_NS + 400000000ull);
	/* a period apart on average */
	assert_true(r[n - 1]->t_ns - r[0]->t_ns >= (uint64_t)(n - 1) * PERIOD_NS * 8 / 10);
	assert_int_equal(snd_stream_stop(&f.s[0]), VIRTIO_SND_S_OK);
	assert_int_equal(snd_stream_release(&f.s[0]), VIRTIO_SND_S_OK);
	for (int i = 0; i < n; i++)
		req_free(r[i]);
	fx_teardown(&f);
}

/* Read a whole file. */
static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *buf;
	long sz;

	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	sz = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	buf = malloc((size_t)sz + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)sz, fp), (size_t)sz);
	fclose(fp);
	*len = (size_t)sz;
	return buf;
}

static void test_tx_wav_bitexact(void **state)
{
	struct fx f;
	char name[80], path[64];
	const int n = 12;
	struct req *r[12];
	uint32_t used, total = 0;
	uint8_t *file;
	size_t len, off = 0;

	(void)state;
	wav_end_name(path, sizeof(path), name, sizeof(name), "play");
	fx_setup(&f, name, "null", 0);
	assert_int_equal(set_params(&f.s[0], 4, 2), VIRTIO_SND_S_OK);
	assert_int_equal(snd_stream_prepare(&f.s[0]), VIRTIO_SND_S_OK);
	for (int i = 0; i < n; i++) {
		/* periods of varied length, whole frames */
		uint32_t len_i = (uint32_t)(PERIOD_FRAMES - 37 * (i % 3)) * FB;

		r[i] = tx_req(0, len_i, (uint32_t)i + 100);
		total += len_i;
		assert_int_equal(submit(&f, VIRTIO_SND_D_OUTPUT, r[i], &used), 0);
		if (i == 5) {
			assert_int_equal(snd_stream_start(&f.s[0]), VIRTIO_SND_S_OK);
			assert_true(wait_completed(&f, 2, 2000) >= 2);
			/* pause and resume in the middle */
			assert_int_equal(snd_stream_stop(&f.s[0]), VIRTIO_SND_S_OK);
			usleep(30000);
			assert_int_equal(snd_stream_start(&f.s[0]), VIRTIO_SND_S_OK);
		}
	}
	assert_int_equal(wait_completed(&f, n, 3000), n);
	assert_int_equal(snd_stream_stop(&f.s[0]), VIRTIO_SND_S_OK);
	assert_int_equal(snd_stream_release(&f.s[0]), VIRTIO_SND_S_OK);	/* closes the file */

	file = slurp(path, &len);
	assert_true(len >= 44 + total);
	assert_memory_equal(file, "RIFF", 4);
	assert_memory_equal(file + 8, "WAVE", 4);
	assert_int_equal(snd_get_le16(file + 20), 1);		/* PCM */
	assert_int_equal(snd_get_le16(file + 22), 2);
	assert_int_equal(snd_get_le32(file + 24), RATE);
	assert_int_equal(snd_get_le16(file + 34), 16);
	assert_memory_equal(file + 36, "data", 4);
	assert_int_equal(snd_get_le32(file + 40), total);
	assert_int_equal(snd_get_le32(file + 4), 36 + total);
	assert_int_equal(len, 44 + total);
	off = 44;
	for (int i = 0; i < n; i++) {
		assert_memory_equal(file + off, r[i]->payload, r[i]->payload_len);
		off += r[i]->payload_len;
		req_free(r[i]);
	}
	free(file);
	unlink(path);
	fx_teardown(&f);
}

/* A WAV file of `frames' frames: S16_LE, channels, rate, sample k = k*7. */
static void write_wav(const char *path, uint32_t frames, uint16_t channels, uint32_t rate)
{
	FILE *fp = fopen(path, "wb");
	uint8_t h[44];
	uint32_t bytes = frames * channels * 2u;

	assert_non_null(fp);
	memcpy(h, "RIFF", 4);
	snd_put_le32(h + 4, 36 + bytes);
	memcpy(h + 8, "WAVEfmt ", 8);
	snd_put_le32(h + 16, 16);
	snd_put_le16(h + 20, 1);
	snd_put_le16(h + 22, channels);
	snd_put_le32(h + 24, rate);
	snd_put_le32(h + 28, rate * channels * 2u);
	snd_put_le16(h + 32, (uint16_t)(channels * 2u));
	snd_put_le16(h + 34, 16);
	memcpy(h + 36, "data", 4);
	snd_put_le32(h + 40, bytes);
	fwrite(h, 1, 44, fp);
	for (uint32_t k = 0; k < frames * channels; k++) {
		uint8_t s[2];

		snd_put_le16(s, (uint16_t)(k * 7));
		fwrite(s, 1, 2, fp);
	}
	fclose(fp);
}

static void test_rx_wav_loops(void **state)
{
	struct fx f;
	char name[80], path[64];
	const int n = 6;
	const uint32_t file_frames = 1000;
	struct req *r[6];
	struct snd_io_stats st;
	uint32_t used, frame = 0;
	uint64_t t0;

	(void)state;
	wav_end_name(path, sizeof(path), name, sizeof(name), "cap");
	write_wav(path, file_frames, 2, RATE);
	fx_setup(&f, "null", name, 0);
	assert_int_equal(set_params(&f.s[1], 4, 2), VIRTIO_SND_S_OK);
	assert_int_equal(snd_stream_prepare(&f.s[1]), VIRTIO_SND_S_OK);
	for (int i = 0; i < n; i++) {
		r[i] = rx_req(1, PERIOD_BYTES);
		assert_int_equal(submit(&f, VIRTIO_SND_D_INPUT, r[i], &used), 0);
	}
	usleep(30000);
	assert_int_equal(completed(&f), 0);	/* held until START */
	t0 = now_ns();
	assert_int_equal(snd_stream_start(&f.s[1]), VIRTIO_SND_S_OK);
	assert_int_equal(wait_completed(&f, n, 3000), n);
	/* paced: 6 periods of capture take about 6 periods */
	assert_true(r[n - 1]->t_ns - t0 >= (uint64_t)n * PERIOD_NS * 8 / 10);
	/* An audio thread starved for longer than the host buffer (a loaded
	 * machine) overruns like a real card: the end counts it and skips
	 * the frames it could not deliver. Then each frame must still be a
	 * frame of the file, channels in place, but not the next one. */
	assert_int_equal(snd_io_stream_stats(f.io, 1, &st), 0);
	if (st.xruns)
		print_message("capture overran %" PRIu64 " time(s) (machine busy): "
			      "frames checked one by one\n", st.xruns);
	for (int i = 0; i < n; i++) {
		assert_int_equal(r[i]->order, i);
		assert_int_equal(r[i]->used, PERIOD_BYTES + 8);
		assert_int_equal(st_status(r[i]), VIRTIO_SND_S_OK);
		for (uint32_t k = 0; k < PERIOD_FRAMES; k++, frame++) {
			uint32_t fk = frame % file_frames;

			if (st.xruns) {
				fk = snd_get_le16(r[i]->payload + k * FB) / 14u;
				assert_true(fk < file_frames);
			}

			assert_int_equal(snd_get_le16(r[i]->payload + k * FB),
					 (uint16_t)(fk * 2 * 7));
			assert_int_equal(snd_get_le16(r[i]->payload + k * FB + 2),
					 (uint16_t)((fk * 2 + 1) * 7));
		}
		req_free(r[i]);
	}
	assert_int_equal(snd_stream_stop(&f.s[1]), VIRTIO_SND_S_OK);
	assert_int_equal(snd_stream_release(&f.s[1]), VIRTIO_SND_S_OK);
	unlink(path);
	fx_teardown(&f);
}

static void test_rx_wav_mismatch(void **state)
{
	struct fx f;
	char name[80], path[64];

	(void)state;
	wav_end_name(path, sizeof(path), name, sizeof(name), "bad");
	write_wav(path, 100, 2, 44100);
	fx_setup(&f, "null", name, 0);
	assert_int_equal(set_params(&f.s[1], 4, 2), VIRTIO_SND_S_OK);
	/* 44100 Hz file, 48000 Hz stream: open fails, PREPARE says IO_ERR */
	assert_int_equal(snd_stream_prepare(&f.s[1]), VIRTIO_SND_S_IO_ERR);
	assert_int_equal(set_params(&f.s[1], 4, 1), VIRTIO_SND_S_OK);
	assert_int_equal(snd_stream_prepare(&f.s[1]), VIRTIO_SND_S_IO_ERR);
	unlink(path);
	assert_int_equal(snd_stream_prepare(&f.s[1]), VIRTIO_SND_S_IO_ERR);	/* missing */
	fx_teardown(&f);
}

/* The stream's gain reaches the end's bytes: -6.02 dB halves every sample
 * (set before PREPARE: no ramp), muted gives exact zeros of the same
 * length, and a change while running takes effect within a period. */
static void test_tx_wav_gain(void **state)
{
	struct fx f;
	char name[80], path[64];
	const int n = 16;
	struct req *r[16];
	uint32_t used;
	uint8_t *file;
	size_t len;

	(void)state;
	wav_end_name(path, sizeof(path), name, sizeof(name), "gain");
	fx_setup(&f, name, "null", 0);
	snd_io_set_gain(f.io, 0, -602, false);
	assert_int_equal(set_params(&f.s[0], 4, 2), VIRTIO_SND_S_OK);
	assert_int_equal(snd_stream_prepare(&f.s[0]), VIRTIO_SND_S_OK);
	for (int i = 0; i < n; i++) {
		r[i] = tx_req(0, PERIOD_BYTES, (uint32_t)i + 7);
		assert_int_equal(submit(&f, VIRTIO_SND_D_OUTPUT, r[i], &used), 0);
	}
	assert_int_equal(snd_stream_start(&f.s[0]), VIRTIO_SND_S_OK);
	/* (a loaded machine may report more than two by now) */
	assert_true(wait_completed(&f, 2, 2000) >= 2);
	/* mute while running: from the next chunk on (at most a period of
	 * ramp), the end gets zeros */
	snd_io_set_gain(f.io, 0, -602, true);
	assert_int_equal(wait_completed(&f, n, 3000), n);
	assert_int_equal(snd_stream_stop(&f.s[0]), VIRTIO_SND_S_OK);
	assert_int_equal(snd_stream_release(&f.s[0]), VIRTIO_SND_S_OK);
	file = slurp(path, &len);
	assert_int_equal(len, 44 + (size_t)n * PERIOD_BYTES);
	/* halved until the mute (at least the two periods completed before
	 * it), then at most one period of fade, then exact zeros to the end
	 * (at least a period of them: the mute came periods before the end) */
	{
		size_t k, mute = len;

		for (k = 0; k < (size_t)n * PERIOD_BYTES; k += 2) {
			const struct req *q = r[k / PERIOD_BYTES];
			int in = (int16_t)snd_get_le16(q->payload + k % PERIOD_BYTES);
			int out = (int16_t)snd_get_le16(file + 44 + k);

			/* -6.02 dB is 0.50003: rounding plus that */
			if (abs(2 * out - in) > 2 + abs(in) / 5000) {
				mute = 44 + k;
				break;
			}
		}
		assert_true(mute >= 44 + 2 * PERIOD_BYTES);
		assert_true(mute + 2 * PERIOD_BYTES <= len);
		for (k = mute + PERIOD_BYTES; k < len; k++)
			assert_int_equal(file[k], 0);
	}
	free(file);
	for (int i = 0; i < n; i++)
		req_free(r[i]);
	unlink(path);
	fx_teardown(&f);
}

/* Capture: a muted stream hands the guest exact zeros. */
static void test_rx_gain_muted(void **state)
{
	struct fx f;
	char name[80], path[64];
	struct req *r;
	uint32_t used;

	(void)state;
	wav_end_name(path, sizeof(path), name, sizeof(name), "capmute");
	write_wav(path, 1000, 2, RATE);
	fx_setup(&f, "null", name, 0);
	snd_io_set_gain(f.io, 1, 0, true);
	assert_int_equal(set_params(&f.s[1], 4, 2), VIRTIO_SND_S_OK);
	assert_int_equal(snd_stream_prepare(&f.s[1]), VIRTIO_SND_S_OK);
	r = rx_req(1, PERIOD_BYTES);
	assert_int_equal(submit(&f, VIRTIO_SND_D_INPUT, r, &used), 0);
	assert_int_equal(snd_stream_start(&f.s[1]), VIRTIO_SND_S_OK);
	assert_int_equal(wait_completed(&f, 1, 3000), 1);
	assert_int_equal(r->used, PERIOD_BYTES + 8);
	for (uint32_t k = 0; k < PERIOD_BYTES; k++)
		assert_int_equal(r->payload[k], 0);
	req_free(r);
	assert_int_equal(snd_stream_stop(&f.s[1]), VIRTIO_SND_S_OK);
	assert_int_equal(snd_stream_release(&f.s[1]), VIRTIO_SND_S_OK);
	unlink(path);
	fx_teardown(&f);
}

static void test_held_while_stopped(void **state)
{
	struct fx f;
	struct req *r[6];
	uint32_t used;
	int base;

	(void)state;
	fx_setup(&f, "null", "null", 0);
	assert_int_equal(set_params(&f.s[0], 4, 2), VIRTIO_SND_S_OK);
	assert_int_equal(snd_stream_prepare(&f.s[0]), VIRTIO_SND_S_OK);
	assert_int_equal(snd_stream_start(&f.s[0]), VIRTIO_SND_S_OK);
	for (int i = 0; i < 2; i++) {
		r[i] = tx_req(0, PERIOD_BYTES, 1);
		assert_int_equal(submit(&f, VIRTIO_SND_D_OUTPUT, r[i], &used), 0);
	}
	assert_int_equal(wait_completed(&f, 2, 2000), 2);
	assert_int_equal(snd_stream_stop(&f.s[0]), VIRTIO_SND_S_OK);
	base = completed(&f);
	for (int i = 2; i < 6; i++) {
		r[i] = tx_req(0, PERIOD_BYTES, 2);
		assert_int_equal(submit(&f, VIRTIO_SND_D_OUTPUT, r[i], &used), 0);
	}
	usleep(80000);
	assert_int_equal(completed(&f), base);	/* held while STOPPED */
	assert_int_equal(snd_stream_start(&f.s[0]), VIRTIO_SND_S_OK);
	assert_int_equal(wait_completed(&f, 6, 2000), 6);
	for (int i = 0; i < 6; i++) {
		assert_int_equal(st_status(r[i]), VIRTIO_SND_S_OK);
		req_free(r[i]);
	}
	fx_teardown(&f);
}

static void test_release_completes_all(void **state)
{
	struct fx f;
	struct req *t[5], *rx[3];
	uint32_t used;

	(void)state;
	fx_setup(&f, "null", "null", 0);
	assert_int_equal(set_params(&f.s[0], 8, 2), VIRTIO_SND_S_OK);
	assert_int_equal(set_params(&f.s[1], 8, 2), VIRTIO_SND_S_OK);
	assert_int_equal(snd_stream_prepare(&f.s[0]), VIRTIO_SND_S_OK);
	assert_int_equal(snd_stream_prepare(&f.s[1]), VIRTIO_SND_S_OK);
	for (int i = 0; i < 5; i++) {
		t[i] = tx_req(0, PERIOD_BYTES, 3);
		assert_int_equal(submit(&f, VIRTIO_SND_D_OUTPUT, t[i], &used), 0);
	}
	/* tx: never started; RELEASE returns them all, OK, latency 0 */
	assert_int_equal(snd_stream_release(&f.s[0]), VIRTIO_SND_S_OK);
	assert_int_equal(completed(&f), 5);
	for (int i = 0; i < 5; i++) {
		assert_int_equal(t[i]->completed, 1);
		assert_int_equal(t[i]->used, 8);
		assert_int_equal(st_status(t[i]), VIRTIO_SND_S_OK);
		assert_int_equal(st_latency(t[i]), 0);
		req_free(t[i]);
	}
	/* rx: started, stopped mid-way; RELEASE returns what was captured */
	assert_int_equal(snd_stream_start(&f.s[1]), VIRTIO_SND_S_OK);
	for (int i = 0; i < 3; i++) {
		rx[i] = rx_req(1, PERIOD_BYTES * 4);	/* 40 ms each */
		assert_int_equal(submit(&f, VIRTIO_SND_D_INPUT, rx[i], &used), 0);
	}
	usleep(60000);
	assert_int_equal(snd_stream_stop(&f.s[1]), VIRTIO_SND_S_OK);
	assert_int_equal(snd_stream_release(&f.s[1]), VIRTIO_SND_S_OK);
	assert_int_equal(completed(&f), 8);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(rx[i]->completed, 1);
		assert_int_equal(st_status(rx[i]), VIRTIO_SND_S_OK);
		assert_true(rx[i]->used >= 8 && rx[i]->used <= PERIOD_BYTES * 4 + 8);
		assert_int_equal((rx[i]->used - 8) % FB, 0);
		req_free(rx[i]);
	}
	/* the first was full (40 ms < 60 ms), the last cannot be */
	fx_teardown(&f);
}

static void test_set_params_while_held(void **state)
{
	struct fx f;
	struct req *t[3];
	uint32_t used;

	(void)state;
	fx_setup(&f, "null", "null", 0);
	assert_int_equal(set_params(&f.s[0], 4, 2), VIRTIO_SND_S_OK);
	assert_int_equal(snd_stream_prepare(&f.s[0]), VIRTIO_SND_S_OK);
	assert_int_equal(snd_stream_start(&f.s[0]), VIRTIO_SND_S_OK);
	assert_int_equal(snd_stream_stop(&f.s[0]), VIRTIO_SND_S_OK);
	for (int i = 0; i < 3; i++) {
		t[i] = tx_req(0, PERIOD_BYTES, 4);
		assert_int_equal(submit(&f, VIRTIO_SND_D_OUTPUT, t[i], &used), 0);
	}
	/* SET_PARAMS while STOPPED: implicit release completes the buffers */
	assert_int_equal(set_params(&f.s[0], 4, 1), VIRTIO_SND_S_OK);
	assert_int_equal(completed(&f), 3);
	for (int i = 0; i < 3; i++)
		req_free(t[i]);
	fx_teardown(&f);
}

static void test_reset_drops(void **state)
{
	struct fx f;
	struct req *t[4], *rx;
	uint32_t used;

	(void)state;
	fx_setup(&f, "null", "null", 0);
	assert_int_equal(set_params(&f.s[0], 4, 2), VIRTIO_SND_S_OK);
	assert_int_equal(set_params(&f.s[1], 4, 2), VIRTIO_SND_S_OK);
	assert_int_equal(snd_stream_prepare(&f.s[0]), VIRTIO_SND_S_OK);
	assert_int_equal(snd_stream_prepare(&f.s[1]), VIRTIO_SND_S_OK);
	assert_int_equal(snd_stream_start(&f.s[0]), VIRTIO_SND_S_OK);
	for (int i = 0; i < 4; i++) {
		t[i] = tx_req(0, PERIOD_BYTES * 5, 5);	/* 50 ms each */
		assert_int_equal(submit(&f, VIRTIO_SND_D_OUTPUT, t[i], &used), 0);
	}
	rx = rx_req(1, PERIOD_BYTES);
	assert_int_equal(submit(&f, VIRTIO_SND_D_INPUT, rx, &used), 0);
	usleep(20000);
	snd_io_reset(f.io);
	snd_stream_reset(&f.s[0]);
	snd_stream_reset(&f.s[1]);
	usleep(100000);
	assert_int_equal(completed(&f), 0);
	/* usable again after the reset */
	assert_int_equal(set_params(&f.s[0], 4, 2), VIRTIO_SND_S_OK);
	assert_int_equal(snd_stream_prepare(&f.s[0]), VIRTIO_SND_S_OK);
	assert_int_equal(snd_stream_start(&f.s[0]), VIRTIO_SND_S_OK);
	memset(t[0]->status, 0xee, 8);
	assert_int_equal(submit(&f, VIRTIO_SND_D_OUTPUT, t[0], &used), 0);
	assert_int_equal(wait_completed(&f, 1, 2000), 1);
	assert_int_equal(st_status(t[0]), VIRTIO_SND_S_OK);
	for (int i = 0; i < 4; i++)
		req_free(t[i]);
	req_free(rx);
	fx_teardown(&f);
}

static void test_bogus_requests(void **state)
{
	struct fx f;
	struct req *r;
	uint32_t used;
	uint8_t tiny[4];
	struct iovec iov[2];

	(void)state;
	fx_setup(&f, "null", "null", 0);

	/* no stream prepared yet: IO_ERR */
	r = tx_req(0, PERIOD_BYTES, 6);
	assert_int_equal(submit(&f, VIRTIO_SND_D_OUTPUT, r, &used), 1);
	assert_int_equal(used, 8);
	assert_int_equal(st_status(r), VIRTIO_SND_S_IO_ERR);
	req_free(r);

	assert_int_equal(set_params(&f.s[0], 4, 2), VIRTIO_SND_S_OK);
	assert_int_equal(snd_stream_prepare(&f.s[0]), VIRTIO_SND_S_OK);

	/* short header: 2 bytes */
	r = tx_req(0, PERIOD_BYTES, 6);
	r->iov[0].iov_len = 1;
	r->iov[1].iov_len = 1;
	r->iov[2].iov_len = 0;
	r->iov[3].iov_len = 0;
	r->iov[4].iov_len = 0;
	assert_int_equal(submit(&f, VIRTIO_SND_D_OUTPUT, r, &used), 1);
	assert_int_equal(used, 8);
	assert_int_equal(st_status(r), VIRTIO_SND_S_IO_ERR);
	req_free(r);

	/* the input queue's only stream is not prepared (wrong stream ids:
	 * test_misrouted_requests) */
	r = rx_req(0, PERIOD_BYTES);
	assert_int_equal(submit(&f, VIRTIO_SND_D_INPUT, r, &used), 1);
	assert_int_equal(st_status(r), VIRTIO_SND_S_IO_ERR);
	req_free(r);

	/* payload not a whole number of frames */
	r = tx_req(0, PERIOD_BYTES + 1, 6);
	assert_int_equal(submit(&f, VIRTIO_SND_D_OUTPUT, r, &used), 1);
	assert_int_equal(st_status(r), VIRTIO_SND_S_IO_ERR);
	req_free(r);

	/* no room for a status: nothing written, used 0 */
	memset(tiny, 0x55, sizeof(tiny));
	r = tx_req(0, PERIOD_BYTES, 6);
	iov[0] = r->iov[0];
	iov[1] = (struct iovec){ tiny, sizeof(tiny) };
	assert_int_equal(snd_io_submit(f.io, VIRTIO_SND_D_OUTPUT, r, iov, 1, 1, &used), 1);
	assert_int_equal(used, 0);
	assert_int_equal(tiny[0], 0x55);
	req_free(r);

	/* no segments at all, too many segments */
	assert_int_equal(snd_io_submit(f.io, VIRTIO_SND_D_OUTPUT, NULL, NULL, 0, 0, &used), 1);
	assert_int_equal(used, 0);
	assert_int_equal(snd_io_submit(f.io, VIRTIO_SND_D_OUTPUT, NULL, iov, SND_IO_MAX_SEGS, 1,
				       &used),
			 1);
	assert_int_equal(used, 0);

	/* zero-length payload is fine: completed once started */
	r = tx_req(0, 0, 6);
	assert_int_equal(submit(&f, VIRTIO_SND_D_OUTPUT, r, &used), 0);
	assert_int_equal(snd_stream_start(&f.s[0]), VIRTIO_SND_S_OK);
	assert_int_equal(wait_completed(&f, 1, 2000), 1);
	assert_int_equal(st_status(r), VIRTIO_SND_S_OK);
	req_free(r);
	assert_int_equal(completed(&f), 1);
	fx_teardown(&f);
}

/*
 * Requests whose header names another stream than the queue's: IO_ERR, used
 * length the status alone, payload not played; the requests around them
 * play. With one stream in a direction the header is read when the payload
 * is due, not at submit (the backend's first touch of a request costs a
 * page fault in the VM; see snd_io.c single_stream): here a header in a
 * page nobody may read must not stop submit.
 */
static void test_misrouted_requests(void **state)
{
	const uint32_t ids[] = { 0, 7, 0, 1, 0, 0xffffffffu };
	const int n = (int)(sizeof(ids) / sizeof(ids[0]));
	long pg = sysconf(_SC_PAGESIZE);
	char name[80], path[64];
	struct req *r[6];
	uint8_t *file, *hdr_page;
	uint32_t used;
	size_t len, off = 44;
	struct fx f;

	(void)state;
	wav_end_name(path, sizeof(path), name, sizeof(name), "misrouted");
	fx_setup(&f, name, "null", 0);
	assert_int_equal(set_params(&f.s[0], 8, 2), VIRTIO_SND_S_OK);
	assert_int_equal(snd_stream_prepare(&f.s[0]), VIRTIO_SND_S_OK);
	hdr_page = mmap(NULL, (size_t)pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
			0);
	assert_true(hdr_page != MAP_FAILED);
	snd_put_le32(hdr_page, 7);
	for (int i = 0; i < n; i++)
		r[i] = tx_req(ids[i], PERIOD_BYTES, (uint32_t)i + 1);
	r[1]->iov[0] = (struct iovec){ hdr_page, 1 };
	r[1]->iov[1] = (struct iovec){ hdr_page + 1, 3 };
	assert_int_equal(mprotect(hdr_page, (size_t)pg, PROT_NONE), 0);
	for (int i = 0; i < n; i++)
		assert_int_equal(submit(&f, VIRTIO_SND_D_OUTPUT, r[i], &used), 0);
	assert_int_equal(mprotect(hdr_page, (size_t)pg, PROT_READ), 0);
	assert_int_equal(snd_stream_start(&f.s[0]), VIRTIO_SND_S_OK);
	assert_int_equal(wait_completed(&f, n, 3000), n);
	assert_int_equal(snd_stream_stop(&f.s[0]), VIRTIO_SND_S_OK);
	assert_int_equal(snd_stream_release(&f.s[0]), VIRTIO_SND_S_OK);	/* closes the file */
	for (int i = 0; i < n; i++) {
		assert_int_equal(r[i]->completed, 1);
		assert_int_equal(st_status(r[i]), ids[i] ? VIRTIO_SND_S_IO_ERR : VIRTIO_SND_S_OK);
		assert_int_equal(r[i]->used, 8);
	}
	file = slurp(path, &len);
	assert_int_equal(len, 44 + 3 * PERIOD_BYTES);	/* the three of stream 0 */
	for (int i = 0; i < n; i++) {
		if (!ids[i]) {
			assert_memory_equal(file + off, r[i]->payload, PERIOD_BYTES);
			off += PERIOD_BYTES;
		}
		req_free(r[i]);
	}
	free(file);
	unlink(path);
	munmap(hdr_page, (size_t)pg);
	fx_teardown(&f);

	/* Two output streams: the header says which, read at submit. */
	fx_two_outputs = true;
	fx_setup(&f, "null", "null", 0);
	fx_two_outputs = false;
	for (int i = 0; i < 3; i += 2) {
		assert_int_equal(set_params(&f.s[i], 4, 2), VIRTIO_SND_S_OK);
		assert_int_equal(snd_stream_prepare(&f.s[i]), VIRTIO_SND_S_OK);
	}
	for (int i = 0; i < 4; i++) {
		static const uint32_t id2[] = { 7, 1, 0, 2 };

		r[i] = tx_req(id2[i], PERIOD_BYTES, 9);
		assert_int_equal(submit(&f, VIRTIO_SND_D_OUTPUT, r[i], &used), id2[i] % 2);
		if (id2[i] % 2) {
			assert_int_equal(used, 8);
			assert_int_equal(st_status(r[i]), VIRTIO_SND_S_IO_ERR);
		}
	}
	assert_int_equal(snd_stream_start(&f.s[0]), VIRTIO_SND_S_OK);
	assert_int_equal(snd_stream_start(&f.s[2]), VIRTIO_SND_S_OK);
	assert_int_equal(wait_completed(&f, 2, 2000), 2);
	assert_int_equal(st_status(r[2]), VIRTIO_SND_S_OK);
	assert_int_equal(st_status(r[3]), VIRTIO_SND_S_OK);
	assert_int_equal(completed(&f), 2);
	for (int i = 0; i < 4; i++)
		req_free(r[i]);
	fx_teardown(&f);
}

static void test_stats_and_rt(void **state)
{
	struct fx f;
	struct snd_io_stats st;
	struct req *r;
	uint32_t used;

	(void)state;
	/* SCHED_FIFO: granted or a one-line notice; works either way */
	fx_setup(&f, "null", "null", 10);
	assert_int_equal(set_params(&f.s[0], 4, 2), VIRTIO_SND_S_OK);
	assert_int_equal(snd_stream_prepare(&f.s[0]), VIRTIO_SND_S_OK);
	assert_int_equal(snd_stream_start(&f.s[0]), VIRTIO_SND_S_OK);
	r = tx_req(0, PERIOD_BYTES, 9);
	assert_int_equal(submit(&f, VIRTIO_SND_D_OUTPUT, r, &used), 0);
	assert_int_equal(wait_completed(&f, 1, 2000), 1);
	assert_int_equal(snd_io_stream_stats(f.io, 0, &st), 0);
	assert_int_equal(st.completed, 1);
	assert_int_equal(st.bytes, PERIOD_BYTES);
	assert_int_equal(st.pending, 0);
	assert_true(st.tid > 0);
	assert_int_equal(snd_io_stream_stats(f.io, 2, &st), -EINVAL);
	req_free(r);
	fx_teardown(&f);
}

/*
 * The lost wake-up: a guest with one period in flight sends the next request
 * as soon as the previous one completes, which is while the audio thread
 * runs its next round with the lock dropped around the end's calls. The
 * wrapped null end submits that request from inside delay_frames, i.e. in
 * exactly that window; it must still be played and completed.
 */
static struct {
	struct fx *f;
	struct req *first, *next;
	bool armed;
	const struct snd_end_ops *real;
} late;

static int late_delay(void *handle, uint32_t *frames)
{
	int rc = late.real->delay_frames(handle, frames);

	if (late.armed) {
		uint32_t used;

		late.armed = false;
		assert_int_equal(submit(late.f, VIRTIO_SND_D_OUTPUT, late.next, &used), 0);
	}
	return rc;
}

static void on_complete_arm(void *opaque, void *cookie, uint32_t used)
{
	on_complete(opaque, cookie, used);
	if (cookie == late.first)
		late.armed = true;	/* the next round's delay_frames submits */
}

static void test_request_queued_during_a_round(void **state)
{
	struct snd_end_ops ops;
	struct fx f;
	struct req *r1, *r2;
	uint32_t used;

	(void)state;
	late.real = snd_end_for_name("null");
	ops = *late.real;
	ops.delay_frames = late_delay;
	out_ops_override = &ops;
	complete_override = on_complete_arm;
	fx_setup(&f, "null", "null", 0);
	out_ops_override = NULL;
	complete_override = NULL;
	late.f = &f;
	late.armed = false;
	r1 = tx_req(0, PERIOD_BYTES, 1);
	r2 = tx_req(0, PERIOD_BYTES, 2);
	late.first = r1;
	late.next = r2;
	assert_int_equal(set_params(&f.s[0], 4, 2), VIRTIO_SND_S_OK);
	assert_int_equal(snd_stream_prepare(&f.s[0]), VIRTIO_SND_S_OK);
	assert_int_equal(snd_stream_start(&f.s[0]), VIRTIO_SND_S_OK);
	assert_int_equal(submit(&f, VIRTIO_SND_D_OUTPUT, r1, &used), 0);
	assert_int_equal(wait_completed(&f, 2, 2000), 2);
	assert_int_equal(st_status(r1), VIRTIO_SND_S_OK);
	assert_int_equal(st_status(r2), VIRTIO_SND_S_OK);
	assert_int_equal(snd_stream_stop(&f.s[0]), VIRTIO_SND_S_OK);
	assert_int_equal(snd_stream_release(&f.s[0]), VIRTIO_SND_S_OK);
	req_free(r1);
	req_free(r2);
	fx_teardown(&f);
}

/*
 * A queue the driver fills without kicking (as with kicks off): the audio
 * thread of a running stream must take its requests by polling, at least
 * once a period, and stop polling (hand the queue back to kicks) before it
 * sleeps with nothing to do and when the stream stops.
 */
static struct {
	pthread_mutex_t lock;
	struct fx *f;
	struct req *q[MAXREQ];
	int head, tail;
	int on_calls, off_calls;
	bool polling;
} pq = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void poll_hook(void *opaque, uint8_t direction, uint32_t stream_id, bool polling)
{
	uint32_t used;

	(void)opaque;
	assert_int_equal(direction, VIRTIO_SND_D_OUTPUT);
	assert_int_equal(stream_id, 0);
	pthread_mutex_lock(&pq.lock);
	pq.polling = polling;
	if (polling)
		pq.on_calls++;
	else
		pq.off_calls++;
	while (pq.head < pq.tail)
		assert_int_equal(submit(pq.f, direction, pq.q[pq.head++], &used), 0);
	pthread_mutex_unlock(&pq.lock);
}

/* Wait at most 2 s until the audio thread stopped polling. */
static bool poll_stopped(void)
{
	bool polling = true;

	for (int i = 0; i < 200 && polling; i++) {
		pthread_mutex_lock(&pq.lock);
		polling = pq.polling;
		pthread_mutex_unlock(&pq.lock);
		if (polling)
			usleep(10000);
	}
	return !polling;
}

static void test_polled_queue(void **state)
{
	struct req *r[12];
	const int n = 12;
	struct fx f;
	uint32_t used;
	int on;

	(void)state;
	poll_override = poll_hook;
	fx_setup(&f, "null", "null", 0);
	poll_override = NULL;
	pq.f = &f;
	assert_int_equal(set_params(&f.s[0], 4, 2), VIRTIO_SND_S_OK);
	assert_int_equal(snd_stream_prepare(&f.s[0]), VIRTIO_SND_S_OK);
	assert_int_equal(snd_stream_start(&f.s[0]), VIRTIO_SND_S_OK);
	/* started with nothing queued: it looks once, then leaves it to kicks */
	assert_true(poll_stopped());
	for (int i = 0; i < n; i++)
		r[i] = tx_req(0, PERIOD_BYTES, (uint32_t)i);
	/* one request comes with a kick, the others only in the ring */
	pthread_mutex_lock(&pq.lock);
	for (int i = 1; i < n; i++)
		pq.q[pq.tail++] = r[i];
	on = pq.on_calls;
	pthread_mutex_unlock(&pq.lock);
	assert_int_equal(submit(&f, VIRTIO_SND_D_OUTPUT, r[0], &used), 0);
	assert_int_equal(wait_completed(&f, n, 5000), n);
	for (int i = 0; i < n; i++) {
		assert_int_equal(r[i]->order, i);
		assert_int_equal(st_status(r[i]), VIRTIO_SND_S_OK);
	}
	pthread_mutex_lock(&pq.lock);
	/* at least once per period while it played */
	assert_true(pq.on_calls - on >= n);
	pthread_mutex_unlock(&pq.lock);
	/* all played, nothing more queued: polling stops */
	assert_true(poll_stopped());
	/* and a stop after a new poll round ends polling too */
	pthread_mutex_lock(&pq.lock);
	pq.q[pq.tail++] = tx_req(0, PERIOD_BYTES, 99);
	pthread_mutex_unlock(&pq.lock);
	assert_int_equal(submit(&f, VIRTIO_SND_D_OUTPUT, r[0], &used), 0);
	assert_int_equal(wait_completed(&f, n + 1, 2000), n + 1);
	assert_int_equal(snd_stream_stop(&f.s[0]), VIRTIO_SND_S_OK);
	assert_true(poll_stopped());
	assert_int_equal(snd_stream_release(&f.s[0]), VIRTIO_SND_S_OK);
	fx_teardown(&f);
	for (int i = 0; i < n; i++)
		req_free(r[i]);
	req_free(pq.q[pq.tail - 1]);
}

/*
 * An end with a poll descriptor (as the ALSA end's PCM): the audio thread
 * must sleep on it while the end has no room for the payload waiting, wake
 * when it becomes ready, and still wake at once for the control side (stop,
 * reset) while it sleeps there. The wrapped null end takes frames only as
 * the test grants room, and its descriptor is an eventfd the test writes;
 * its wait_ns and the 1 s period make a timed sleep last a second, so
 * every wake-up the test expects within 300 ms comes from poll.
 */
#define PFD_PERIOD_FRAMES 48000	/* 1 s */

static struct {
	pthread_mutex_t lock;
	const struct snd_end_ops *real;
	int fd;			/* the end's descriptor */
	uint32_t room;		/* frames write may take */
	int fds_calls, revents_calls, writes, stops;
} pe = { .lock = PTHREAD_MUTEX_INITIALIZER };

static long pe_write(void *handle, const void *buf, uint32_t frames)
{
	uint32_t n;

	(void)handle;
	(void)buf;
	pthread_mutex_lock(&pe.lock);
	n = frames < pe.room ? frames : pe.room;
	pe.room -= n;
	pe.writes++;
	pthread_mutex_unlock(&pe.lock);
	return n;
}

static int pe_stop(void *handle)
{
	pthread_mutex_lock(&pe.lock);
	pe.stops++;
	pthread_mutex_unlock(&pe.lock);
	return pe.real->stop(handle);
}

static int pe_wait(void *handle, uint32_t frames, uint64_t *ns)
{
	(void)handle;
	(void)frames;
	*ns = 1000000000ull;
	return 0;
}

static int pe_poll_fds(void *handle, struct pollfd *fds, unsigned int max)
{
	(void)handle;
	assert_true(max >= 1);
	pthread_mutex_lock(&pe.lock);
	pe.fds_calls++;
	pthread_mutex_unlock(&pe.lock);
	fds[0] = (struct pollfd){ .fd = pe.fd, .events = POLLIN };
	return 1;
}

static int pe_poll_revents(void *handle, struct pollfd *fds, unsigned int n,
			   unsigned short *revents)
{
	uint64_t v;

	(void)handle;
	assert_int_equal(n, 1);
	assert_int_equal(fds[0].fd, pe.fd);
	*revents = fds[0].revents;
	/* as a plugin does: reading the descriptor clears it */
	if (read(pe.fd, &v, sizeof(v)) < 0)
		v = 0;
	pthread_mutex_lock(&pe.lock);
	pe.revents_calls++;
	pthread_mutex_unlock(&pe.lock);
	return 0;
}

static int pe_get(const int *field)
{
	int v;

	pthread_mutex_lock(&pe.lock);
	v = *field;
	pthread_mutex_unlock(&pe.lock);
	return v;
}

/* Wait at most 2 s until the audio thread asked for the descriptors
 * `calls' times in all (so it is about to sleep on them). */
static bool pe_fds_asked(int calls)
{
	for (int i = 0; i < 200; i++) {
		if (pe_get(&pe.fds_calls) >= calls)
			return true;
		usleep(10000);
	}
	return false;
}

static void pe_ready(uint32_t room)
{
	uint64_t one = 1;

	pthread_mutex_lock(&pe.lock);
	pe.room += room;
	pthread_mutex_unlock(&pe.lock);
	assert_int_equal(write(pe.fd, &one, sizeof(one)), sizeof(one));
}

static uint32_t set_params_frames(struct snd_stream *s, uint32_t periods, uint32_t frames)
{
	struct virtio_snd_pcm_set_params p;

	memset(&p, 0, sizeof(p));
	snd_put_le32(&p.hdr.hdr.code, VIRTIO_SND_R_PCM_SET_PARAMS);
	snd_put_le32(&p.hdr.stream_id, s->id);
	snd_put_le32(&p.buffer_bytes, periods * frames * FB);
	snd_put_le32(&p.period_bytes, frames * FB);
	p.channels = CH;
	p.format = VIRTIO_SND_PCM_FMT_S16;
	p.rate = VIRTIO_SND_PCM_RATE_48000;
	return snd_stream_set_params(s, &p);
}

/*
 * Stream 0 of @f on the poll end (pe: the null end with room pe.room and
 * descriptor pe.fd), its ops in @ops; with @revents the end interprets
 * revents (poll_revents), and stop is counted. Prepared and started, the
 * counters and the room at 0, pe.fd a new eventfd (the test closes it).
 */
static void pe_start(struct fx *f, struct snd_end_ops *ops, bool revents)
{
	pe.real = snd_end_for_name("null");
	pe.fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	assert_true(pe.fd >= 0);
	pe.room = 0;
	pe.fds_calls = pe.revents_calls = pe.writes = pe.stops = 0;
	*ops = *pe.real;
	ops->write = pe_write;
	ops->wait_ns = pe_wait;
	ops->poll_fds = pe_poll_fds;
	if (revents) {
		ops->stop = pe_stop;
		ops->poll_revents = pe_poll_revents;
	}
	out_ops_override = ops;
	fx_setup(f, "null", "null", 0);
	out_ops_override = NULL;
	assert_int_equal(set_params_frames(&f->s[0], 4, PFD_PERIOD_FRAMES), VIRTIO_SND_S_OK);
	assert_int_equal(snd_stream_prepare(&f->s[0]), VIRTIO_SND_S_OK);
	assert_int_equal(snd_stream_start(&f->s[0]), VIRTIO_SND_S_OK);
}

/*
 * A period-long tx request (payload seed @seed) on the poll end, and the
 * audio thread asleep on the end's descriptor with it: it asked for them
 * once more, then 50 ms passed.
 */
static struct req *pe_submit_asleep(struct fx *f, uint32_t seed)
{
	int calls = pe_get(&pe.fds_calls);
	struct req *r = tx_req(0, PERIOD_BYTES, seed);
	uint32_t used;

	assert_int_equal(submit(f, VIRTIO_SND_D_OUTPUT, r, &used), 0);
	assert_true(pe_fds_asked(calls + 1));
	usleep(50000);
	return r;
}

static void test_sleeps_on_end_fds(void **state)
{
	struct snd_end_ops ops;
	struct fx f;
	struct req *r1, *r2;
	uint64_t t0, t;
	uint32_t used;
	int writes, calls;

	(void)state;
	pe_start(&f, &ops, true);

	/* no room: the thread sleeps on the descriptor, and stays asleep */
	r1 = tx_req(0, PERIOD_BYTES, 1);
	assert_int_equal(submit(&f, VIRTIO_SND_D_OUTPUT, r1, &used), 0);
	assert_true(pe_fds_asked(1));
	writes = pe_get(&pe.writes);
	usleep(100000);
	assert_int_equal(completed(&f), 0);
	assert_int_equal(pe_get(&pe.writes), writes);	/* no round meanwhile */

	/* ready: it wakes, writes, completes, long before its timed bound */
	t0 = now_ns();
	pe_ready(PERIOD_FRAMES);
	assert_int_equal(wait_completed(&f, 1, 2000), 1);
	t = r1->t_ns - t0;
	assert_true(t < 300000000ull);
	assert_int_equal(st_status(r1), VIRTIO_SND_S_OK);
	assert_true(pe_get(&pe.revents_calls) >= 1);

	/* asleep on the descriptor again: a stop wakes it at once */
	r2 = pe_submit_asleep(&f, 2);
	t0 = now_ns();
	assert_int_equal(snd_stream_stop(&f.s[0]), VIRTIO_SND_S_OK);
	for (int i = 0; i < 2000 && !pe_get(&pe.stops); i++)
		usleep(1000);
	assert_int_equal(pe_get(&pe.stops), 1);
	assert_true(now_ns() - t0 < 300000000ull);

	/* started again and asleep: a reset (teardown) wakes it at once, the
	 * join of destroy waits for that */
	calls = pe_get(&pe.fds_calls);
	assert_int_equal(snd_stream_start(&f.s[0]), VIRTIO_SND_S_OK);
	assert_true(pe_fds_asked(calls + 1));
	usleep(50000);
	assert_int_equal(completed(&f), 1);
	t0 = now_ns();
	fx_teardown(&f);
	assert_true(now_ns() - t0 < 300000000ull);
	close(pe.fd);
	req_free(r1);
	req_free(r2);
}

/* A descriptor that stays ready while the end takes nothing (a misbehaving
 * plugin) must not make the audio thread spin: after a couple of empty
 * wake-ups it sleeps the timed way (here a second) instead. */
static void test_ready_fd_does_not_spin(void **state)
{
	struct snd_end_ops ops;
	struct fx f;
	struct req *r;
	uint32_t used;
	uint64_t one = 1;
	int writes;

	(void)state;
	pe_start(&f, &ops, false);	/* no poll_revents: stays readable */
	assert_int_equal(write(pe.fd, &one, sizeof(one)), sizeof(one));
	r = tx_req(0, PERIOD_BYTES, 1);
	assert_int_equal(submit(&f, VIRTIO_SND_D_OUTPUT, r, &used), 0);
	assert_true(pe_fds_asked(1));
	usleep(300000);
	writes = pe_get(&pe.writes);
	assert_true(writes >= 2);	/* it did look again */
	assert_true(writes <= 8);	/* but did not spin */
	/* and it still plays once the end takes frames */
	pthread_mutex_lock(&pe.lock);
	pe.room = PERIOD_FRAMES;
	pthread_mutex_unlock(&pe.lock);
	assert_int_equal(wait_completed(&f, 1, 3000), 1);
	assert_int_equal(st_status(r), VIRTIO_SND_S_OK);
	fx_teardown(&f);
	close(pe.fd);
	req_free(r);
}

/*
 * The audio thread keeps the end's descriptors registered between sleeps
 * (fd_wait.h). After RELEASE and a new PREPARE, the end's descriptor may
 * have the old number but be another file: the thread must wake on the
 * new one, not sleep until its timed bound (here over a second).
 */
static void test_new_end_same_fd_number(void **state)
{
	struct snd_end_ops ops;
	struct fx f;
	struct req *r1, *r2;
	uint64_t t0;
	int fresh;

	(void)state;
	pe_start(&f, &ops, true);
	r1 = pe_submit_asleep(&f, 1);	/* the descriptor is registered */
	assert_int_equal(snd_stream_stop(&f.s[0]), VIRTIO_SND_S_OK);
	assert_int_equal(snd_stream_release(&f.s[0]), VIRTIO_SND_S_OK);
	assert_int_equal(wait_completed(&f, 1, 2000), 1);

	/* the old file goes; its number now names a new eventfd */
	fresh = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	assert_true(fresh >= 0);
	assert_int_equal(dup3(fresh, pe.fd, O_CLOEXEC), pe.fd);
	close(fresh);
	assert_int_equal(set_params_frames(&f.s[0], 4, PFD_PERIOD_FRAMES), VIRTIO_SND_S_OK);
	assert_int_equal(snd_stream_prepare(&f.s[0]), VIRTIO_SND_S_OK);
	assert_int_equal(snd_stream_start(&f.s[0]), VIRTIO_SND_S_OK);
	r2 = pe_submit_asleep(&f, 2);
	t0 = now_ns();
	pe_ready(PERIOD_FRAMES);
	assert_int_equal(wait_completed(&f, 2, 3000), 2);
	assert_true(r2->t_ns - t0 < 300000000ull);
	assert_int_equal(st_status(r2), VIRTIO_SND_S_OK);
	fx_teardown(&f);
	close(pe.fd);
	req_free(r1);
	req_free(r2);
}

struct release_call {
	struct snd_stream *s;
	uint32_t status;
};

static void *release_thread(void *arg)
{
	struct release_call *c = arg;

	c->status = snd_stream_release(c->s);
	return NULL;
}

/*
 * Control never waits on audio I/O: with the stream's audio thread stalled
 * (no CPU) in the middle of a playback, STOP and RELEASE are answered at
 * once, RELEASE completes every request still held, a new SET_PARAMS and
 * PREPARE work, and nothing is completed twice once the thread runs again.
 */
static void test_control_with_stalled_audio_thread(void **state)
{
	struct fx f;
	struct req *r[20];
	const int n = 20;
	struct release_call call;
	struct timespec limit;
	pthread_t t;
	uint32_t used;
	int joined;

	(void)state;
	fx_setup(&f, "null", "null", 0);
	assert_int_equal(set_params(&f.s[0], 4, 2), VIRTIO_SND_S_OK);
	assert_int_equal(snd_stream_prepare(&f.s[0]), VIRTIO_SND_S_OK);
	for (int i = 0; i < n; i++) {
		r[i] = tx_req(0, PERIOD_BYTES, (uint32_t)i);
		assert_int_equal(submit(&f, VIRTIO_SND_D_OUTPUT, r[i], &used), 0);
	}
	stall_arm(&f);
	assert_int_equal(snd_stream_start(&f.s[0]), VIRTIO_SND_S_OK);
	assert_int_equal(wait_completed(&f, 1, 3000), 1);
	pthread_mutex_lock(&f.lock);
	assert_true(f.stalled);
	pthread_mutex_unlock(&f.lock);

	/* the driver's STOP then RELEASE (sync_stop), from another thread so
	 * that a hang fails the test instead of hanging it */
	assert_int_equal(snd_stream_stop(&f.s[0]), VIRTIO_SND_S_OK);
	call.s = &f.s[0];
	call.status = 0xffffffffu;
	assert_int_equal(pthread_create(&t, NULL, release_thread, &call), 0);
	clock_gettime(CLOCK_REALTIME, &limit);
	limit.tv_sec += 2;
	joined = pthread_timedjoin_np(t, NULL, &limit);
	if (joined) {
		/* let the audio thread go so that the join below returns */
		stall_release(&f);
		pthread_join(t, NULL);
		fail_msg("RELEASE waited for the stalled audio thread");
	}
	assert_int_equal(call.status, VIRTIO_SND_S_OK);
	/* every request is back while the audio thread is still stalled,
	 * except those it had taken to complete when it stalled (one host
	 * buffer at most) */
	assert_true(completed(&f) >= n - 4);
	/* a new stream can be set up meanwhile */
	assert_int_equal(set_params(&f.s[0], 4, 2), VIRTIO_SND_S_OK);
	assert_int_equal(snd_stream_prepare(&f.s[0]), VIRTIO_SND_S_OK);

	stall_release(&f);
	usleep(50000);
	assert_int_equal(completed(&f), n);
	for (int i = 0; i < n; i++) {
		assert_int_equal(r[i]->completed, 1);
		assert_int_equal(st_status(r[i]), VIRTIO_SND_S_OK);
		req_free(r[i]);
	}
	assert_int_equal(snd_stream_release(&f.s[0]), VIRTIO_SND_S_OK);
	fx_teardown(&f);
}

static void *reset_thread(void *arg)
{
	snd_io_reset(arg);
	return NULL;
}

/*
 * A reset comes before guest memory is unmapped (the frontend left): it
 * must not return while the audio thread is still writing the status of
 * requests it took off the list, however long that thread is held up.
 */
static void test_reset_waits_for_completions_in_progress(void **state)
{
	struct fx f;
	struct req *r[4];
	struct timespec limit;
	pthread_t t;
	uint32_t used;
	int joined;

	(void)state;
	fx_setup(&f, "null", "null", 0);
	assert_int_equal(set_params(&f.s[0], 4, 2), VIRTIO_SND_S_OK);
	assert_int_equal(snd_stream_prepare(&f.s[0]), VIRTIO_SND_S_OK);
	for (int i = 0; i < 4; i++) {
		r[i] = tx_req(0, PERIOD_BYTES, (uint32_t)i);
		assert_int_equal(submit(&f, VIRTIO_SND_D_OUTPUT, r[i], &used), 0);
	}
	stall_arm(&f);
	assert_int_equal(snd_stream_start(&f.s[0]), VIRTIO_SND_S_OK);
	assert_int_equal(wait_completed(&f, 1, 3000), 1);	/* stalled in it */

	assert_int_equal(pthread_create(&t, NULL, reset_thread, f.io), 0);
	clock_gettime(CLOCK_REALTIME, &limit);
	limit.tv_nsec += 300000000;
	if (limit.tv_nsec >= 1000000000) {
		limit.tv_sec++;
		limit.tv_nsec -= 1000000000;
	}
	joined = pthread_timedjoin_np(t, NULL, &limit);
	stall_release(&f);
	if (!joined)
		fail_msg("the reset returned while a completion was being written");
	assert_int_equal(pthread_join(t, NULL), 0);
	snd_stream_reset(&f.s[0]);
	for (int i = 0; i < 4; i++)
		req_free(r[i]);
	fx_teardown(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tx_paced_null),
		cmocka_unit_test(test_tx_wav_bitexact),
		cmocka_unit_test(test_rx_wav_loops),
		cmocka_unit_test(test_rx_wav_mismatch),
		cmocka_unit_test(test_tx_wav_gain),
		cmocka_unit_test(test_rx_gain_muted),
		cmocka_unit_test(test_held_while_stopped),
		cmocka_unit_test(test_release_completes_all),
		cmocka_unit_test(test_set_params_while_held),
		cmocka_unit_test(test_reset_drops),
		cmocka_unit_test(test_bogus_requests),
		cmocka_unit_test(test_misrouted_requests),
		cmocka_unit_test(test_stats_and_rt),
		cmocka_unit_test(test_control_with_stalled_audio_thread),
		cmocka_unit_test(test_request_queued_during_a_round),
		cmocka_unit_test(test_reset_waits_for_completions_in_progress),
		cmocka_unit_test(test_polled_queue),
		cmocka_unit_test(test_sleeps_on_end_fds),
		cmocka_unit_test(test_ready_fd_does_not_spin),
		cmocka_unit_test(test_new_end_same_fd_number),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
