// SPDX-License-Identifier: MIT
/*
 * Unit tests of the PCM stream state machine (sound-backend/snd_stream.c):
 * every request in every state against the table in snd_stream.h, the
 * SET_PARAMS checks, end failures, and the sequences real clients send, with
 * a recording fake end that must see balanced open/close throughout.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "snd_format.h"
#include "snd_stream.h"
#include "test_snd_fake_end.h"

#define OK VIRTIO_SND_S_OK
#define BAD VIRTIO_SND_S_BAD_MSG
#define IOE VIRTIO_SND_S_IO_ERR

enum op { SET_PARAMS, PREPARE, START, STOP, RELEASE, N_OPS };
static const char *const op_names[N_OPS] = { "SET_PARAMS", "PREPARE", "START", "STOP",
					     "RELEASE" };

struct fixture {
	struct fake_end end;
	struct snd_stream s;
	struct snd_stream_hooks hooks;
	int io_releases;
	uint32_t io_release_sid;
};

static void on_io_release(void *opaque, uint32_t sid)
{
	struct fixture *fx = opaque;

	fx->io_releases++;
	fx->io_release_sid = sid;
}

static struct snd_stream_desc stream_desc(struct fake_end *end)
{
	return (struct snd_stream_desc){
		.direction = VIRTIO_SND_D_OUTPUT,
		.channels_min = 1,
		.channels_max = 2,
		.formats = 1u << VIRTIO_SND_PCM_FMT_S16 | 1u << VIRTIO_SND_PCM_FMT_S24_3 |
			   1u << VIRTIO_SND_PCM_FMT_FLOAT,
		.rates = 1u << VIRTIO_SND_PCM_RATE_44100 | 1u << VIRTIO_SND_PCM_RATE_48000,
		.features = 0,
		.hda_fn_nid = 0,
		.end_name = "hw:Loopback,0,0",
		.end_ops = &fake_end_ops,
		.end_ctx = end,
	};
}

static int setup(void **state)
{
	struct fixture *fx = test_calloc(1, sizeof(*fx));
	struct snd_stream_desc d;

	fake_end_clear(&fx->end);
	fx->hooks.opaque = fx;
	fx->hooks.io_release = on_io_release;
	d = stream_desc(&fx->end);
	assert_int_equal(snd_stream_init(&fx->s, 3, &d, &fx->hooks), 0);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	snd_stream_reset(&fx->s);
	/* The contract: no handle outlives a reset, none closed twice. */
	assert_int_equal(fx->end.live, 0);
	assert_int_equal(fx->end.opens, fx->end.closes);
	assert_true(fx->end.max_live <= 1);
	assert_int_equal(fx->end.misuse, 0);
	test_free(fx);
	return 0;
}

/* 48 kHz S16 stereo, 4 periods of 480 frames. */
static struct virtio_snd_pcm_set_params good_params(void)
{
	struct virtio_snd_pcm_set_params p;

	memset(&p, 0, sizeof(p));
	snd_put_le32(&p.hdr.hdr.code, VIRTIO_SND_R_PCM_SET_PARAMS);
	snd_put_le32(&p.hdr.stream_id, 3);
	snd_put_le32(&p.buffer_bytes, 4 * 480 * 4);
	snd_put_le32(&p.period_bytes, 480 * 4);
	p.channels = 2;
	p.format = VIRTIO_SND_PCM_FMT_S16;
	p.rate = VIRTIO_SND_PCM_RATE_48000;
	return p;
}

static uint32_t do_op(struct snd_stream *s, enum op op)
{
	struct virtio_snd_pcm_set_params p = good_params();

	switch (op) {
	case SET_PARAMS:
		return snd_stream_set_params(s, &p);
	case PREPARE:
		return snd_stream_prepare(s);
	case START:
		return snd_stream_start(s);
	case STOP:
		return snd_stream_stop(s);
	default:
		return snd_stream_release(s);
	}
}

/* A path from INITIAL to each state. */
static void drive_to(struct snd_stream *s, enum snd_stream_state target)
{
	static const enum op paths[][5] = {
		[SND_STREAM_INITIAL] = { N_OPS },
		[SND_STREAM_PARAMS] = { SET_PARAMS, N_OPS },
		[SND_STREAM_PREPARED] = { SET_PARAMS, PREPARE, N_OPS },
		[SND_STREAM_STARTED] = { SET_PARAMS, PREPARE, START, N_OPS },
		[SND_STREAM_STOPPED] = { SET_PARAMS, PREPARE, START, STOP, N_OPS },
		[SND_STREAM_RELEASED] = { SET_PARAMS, PREPARE, RELEASE, N_OPS },
	};

	for (int i = 0; paths[target][i] != N_OPS; i++)
		assert_int_equal(do_op(s, paths[target][i]), OK);
	assert_int_equal(s->state, target);
}

struct expect {
	uint32_t status;
	enum snd_stream_state next;
	int io_release;		/* io_release hook called */
};

#define N_STATES 6
#define I SND_STREAM_INITIAL
#define P SND_STREAM_PARAMS
#define R SND_STREAM_PREPARED
#define S SND_STREAM_STARTED
#define T SND_STREAM_STOPPED
#define L SND_STREAM_RELEASED

/* The table of snd_stream.h, row = state, column = request. */
static const struct expect table[N_STATES][N_OPS] = {
	/*            SET_PARAMS    PREPARE       START        STOP         RELEASE */
	[I] = { { OK, P, 0 }, { BAD, I, 0 }, { BAD, I, 0 }, { BAD, I, 0 }, { OK, I, 0 } },
	[P] = { { OK, P, 0 }, { OK, R, 0 }, { BAD, P, 0 }, { BAD, P, 0 }, { OK, P, 0 } },
	[R] = { { OK, P, 1 }, { OK, R, 0 }, { OK, S, 0 }, { BAD, R, 0 }, { OK, L, 1 } },
	[S] = { { BAD, S, 0 }, { BAD, S, 0 }, { BAD, S, 0 }, { OK, T, 0 }, { BAD, S, 0 } },
	[T] = { { OK, P, 1 }, { OK, R, 1 }, { OK, S, 0 }, { OK, T, 0 }, { OK, L, 1 } },
	[L] = { { OK, P, 0 }, { OK, R, 0 }, { BAD, L, 0 }, { BAD, L, 0 }, { OK, L, 0 } },
};

static int end_should_be_open(enum snd_stream_state st)
{
	return st == R || st == S || st == T;
}

static void test_every_transition(void **state)
{
	struct fixture *fx = *state;

	for (int st = 0; st < N_STATES; st++) {
		for (int op = 0; op < N_OPS; op++) {
			const struct expect *e = &table[st][op];
			int io_before;
			uint32_t got;

			snd_stream_reset(&fx->s);
			drive_to(&fx->s, (enum snd_stream_state)st);
			io_before = fx->io_releases;
			got = do_op(&fx->s, (enum op)op);
			if (got != e->status || fx->s.state != e->next)
				fail_msg("%s in %s: got 0x%x -> %s, want 0x%x -> %s", op_names[op],
					 snd_stream_state_name((enum snd_stream_state)st), got,
					 snd_stream_state_name(fx->s.state), e->status,
					 snd_stream_state_name(e->next));
			assert_int_equal(fx->io_releases - io_before, e->io_release);
			assert_int_equal(fx->s.end != NULL, end_should_be_open(fx->s.state));
			assert_int_equal(fx->end.live, end_should_be_open(fx->s.state));
			assert_true(fx->end.max_live <= 1);
		}
	}
	assert_int_equal(fx->io_release_sid, 3);
}

static void test_end_calls(void **state)
{
	struct fixture *fx = *state;

	drive_to(&fx->s, SND_STREAM_STARTED);
	assert_int_equal(fx->end.opens, 1);
	assert_int_equal(fx->end.prepares, 1);
	assert_int_equal(fx->end.starts, 1);
	assert_string_equal(fx->end.last_name, "hw:Loopback,0,0");
	assert_int_equal(fx->end.last_params.stream_id, 3);
	assert_int_equal(fx->end.last_params.channels, 2);
	assert_int_equal(fx->end.last_params.format, SND_PCM_FORMAT_S16_LE);
	assert_int_equal(fx->end.last_params.rate_hz, 48000);
	assert_int_equal(fx->end.last_params.frame_bytes, 4);
	assert_int_equal(fx->end.last_params.period_bytes, 1920);
	assert_int_equal(fx->end.last_params.buffer_bytes, 7680);
	assert_int_equal(fx->end.last_params.direction, VIRTIO_SND_D_OUTPUT);
	assert_true(snd_stream_running(&fx->s));
	assert_int_equal(snd_stream_stop(&fx->s), OK);
	assert_false(snd_stream_running(&fx->s));
	assert_int_equal(fx->end.stops, 1);
	/* reset of a started stream stops the end, then closes it */
	assert_int_equal(snd_stream_start(&fx->s), OK);
	snd_stream_reset(&fx->s);
	assert_int_equal(fx->end.stops, 2);
	assert_int_equal(fx->end.live, 0);
	assert_int_equal(fx->s.state, SND_STREAM_INITIAL);
}

static void expect_params(struct fixture *fx, struct virtio_snd_pcm_set_params *p,
			  uint32_t want)
{
	snd_stream_reset(&fx->s);
	assert_int_equal(snd_stream_set_params(&fx->s, p), want);
	assert_int_equal(fx->s.state, want == OK ? SND_STREAM_PARAMS : SND_STREAM_INITIAL);
}

static void test_set_params_validation(void **state)
{
	struct fixture *fx = *state;
	struct virtio_snd_pcm_set_params p;

	p = good_params();
	expect_params(fx, &p, OK);
	snd_stream_reset(&fx->s);

	p = good_params(); p.channels = 0; expect_params(fx, &p, BAD);
	p = good_params(); p.channels = 3; expect_params(fx, &p, BAD);
	p = good_params(); p.channels = 255; expect_params(fx, &p, BAD);
	p = good_params(); p.format = VIRTIO_SND_PCM_FMT_S32; expect_params(fx, &p, BAD);
	p = good_params(); p.format = 64; expect_params(fx, &p, BAD);
	p = good_params(); p.format = 255; expect_params(fx, &p, BAD);
	p = good_params(); p.rate = VIRTIO_SND_PCM_RATE_8000; expect_params(fx, &p, BAD);
	p = good_params(); p.rate = 200; expect_params(fx, &p, BAD);
	p = good_params();
	snd_put_le32(&p.features, 1u << VIRTIO_SND_PCM_F_EVT_XRUNS);	/* not offered */
	expect_params(fx, &p, BAD);
	p = good_params(); snd_put_le32(&p.period_bytes, 0); expect_params(fx, &p, BAD);
	p = good_params(); snd_put_le32(&p.buffer_bytes, 0); expect_params(fx, &p, BAD);
	p = good_params();	/* buffer < period */
	snd_put_le32(&p.buffer_bytes, 960);
	expect_params(fx, &p, BAD);
	p = good_params();	/* buffer not a whole number of periods */
	snd_put_le32(&p.buffer_bytes, 1920 * 3 + 4);
	expect_params(fx, &p, BAD);
	p = good_params();	/* period not frame-aligned */
	snd_put_le32(&p.period_bytes, 1922);
	snd_put_le32(&p.buffer_bytes, 1922 * 4);
	expect_params(fx, &p, BAD);
	p = good_params();	/* too big */
	snd_put_le32(&p.period_bytes, SND_STREAM_BUFFER_BYTES_MAX / 2 + 4);
	snd_put_le32(&p.buffer_bytes, SND_STREAM_BUFFER_BYTES_MAX + 8);
	expect_params(fx, &p, BAD);
	p = good_params();	/* too many periods */
	snd_put_le32(&p.period_bytes, 4);
	snd_put_le32(&p.buffer_bytes, 4 * (SND_STREAM_PERIODS_MAX + 1));
	expect_params(fx, &p, BAD);
	p = good_params();	/* 0xffffffff wraps nothing */
	snd_put_le32(&p.period_bytes, 0xffffffffu);
	snd_put_le32(&p.buffer_bytes, 0xffffffffu);
	expect_params(fx, &p, BAD);

	/* corners that are fine: one period; max periods; 24-bit mono 3-byte frames */
	p = good_params(); snd_put_le32(&p.buffer_bytes, 1920); expect_params(fx, &p, OK);
	p = good_params();
	snd_put_le32(&p.period_bytes, 4);
	snd_put_le32(&p.buffer_bytes, 4 * SND_STREAM_PERIODS_MAX);
	expect_params(fx, &p, OK);
	p = good_params();
	p.channels = 1;
	p.format = VIRTIO_SND_PCM_FMT_S24_3;
	p.rate = VIRTIO_SND_PCM_RATE_44100;
	snd_put_le32(&p.period_bytes, 441 * 3);
	snd_put_le32(&p.buffer_bytes, 441 * 3 * 8);
	expect_params(fx, &p, OK);
	assert_int_equal(fx->s.params.frame_bytes, 3);
	assert_int_equal(fx->s.params.rate_hz, 44100);
	assert_int_equal(fx->s.params.format, SND_PCM_FORMAT_S24_3LE);

	/* a rejected SET_PARAMS leaves a prepared stream as it was */
	snd_stream_reset(&fx->s);
	drive_to(&fx->s, SND_STREAM_PREPARED);
	p = good_params(); p.channels = 7;
	assert_int_equal(snd_stream_set_params(&fx->s, &p), BAD);
	assert_int_equal(fx->s.state, SND_STREAM_PREPARED);
	assert_int_equal(fx->end.live, 1);
}

static void test_offered_features_accepted(void **state)
{
	struct fixture *fx = *state;
	struct snd_stream s2;
	struct snd_stream_desc d = stream_desc(&fx->end);
	struct virtio_snd_pcm_set_params p = good_params();

	d.features = 1u << VIRTIO_SND_PCM_F_EVT_XRUNS;
	assert_int_equal(snd_stream_init(&s2, 0, &d, NULL), 0);
	snd_put_le32(&p.features, 1u << VIRTIO_SND_PCM_F_EVT_XRUNS);
	assert_int_equal(snd_stream_set_params(&s2, &p), OK);
	assert_int_equal(s2.params.features, 1u << VIRTIO_SND_PCM_F_EVT_XRUNS);
	/* no hooks at all: release still works */
	assert_int_equal(snd_stream_prepare(&s2), OK);
	assert_int_equal(snd_stream_release(&s2), OK);
	snd_stream_reset(&s2);
}

static void test_end_failures(void **state)
{
	struct fixture *fx = *state;

	/* open fails: IO_ERR, nothing open, PREPARE can be retried */
	drive_to(&fx->s, SND_STREAM_PARAMS);
	fx->end.fail_open = 1;
	assert_int_equal(snd_stream_prepare(&fx->s), IOE);
	assert_int_equal(fx->s.state, SND_STREAM_PARAMS);
	assert_null(fx->s.end);
	assert_int_equal(snd_stream_prepare(&fx->s), OK);

	/* prepare fails on a prepared stream: closed, back to PARAMS */
	fx->end.fail_prepare = 1;
	assert_int_equal(snd_stream_prepare(&fx->s), IOE);
	assert_int_equal(fx->s.state, SND_STREAM_PARAMS);
	assert_int_equal(fx->end.live, 0);
	assert_int_equal(snd_stream_start(&fx->s), BAD);
	assert_int_equal(snd_stream_prepare(&fx->s), OK);

	/* start fails: still PREPARED */
	fx->end.fail_start = 1;
	assert_int_equal(snd_stream_start(&fx->s), IOE);
	assert_int_equal(fx->s.state, SND_STREAM_PREPARED);
	assert_int_equal(snd_stream_start(&fx->s), OK);

	/* stop fails: reported, but the stream is stopped */
	fx->end.fail_stop = 1;
	assert_int_equal(snd_stream_stop(&fx->s), IOE);
	assert_int_equal(fx->s.state, SND_STREAM_STOPPED);
	assert_int_equal(snd_stream_release(&fx->s), OK);
	assert_int_equal(fx->end.live, 0);

	/* open fails when re-preparing a released stream */
	fx->end.fail_open = 1;
	assert_int_equal(snd_stream_prepare(&fx->s), IOE);
	assert_int_equal(fx->s.state, SND_STREAM_RELEASED);
	assert_int_equal(snd_stream_prepare(&fx->s), OK);
}

static void run_sequence(struct fixture *fx, const enum op *ops, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint32_t got = do_op(&fx->s, ops[i]);

		if (got != OK)
			fail_msg("step %zu (%s): status 0x%x in %s", i, op_names[ops[i]], got,
				 snd_stream_state_name(fx->s.state));
		assert_true(fx->end.live <= 1);
	}
}

#define RUN(fx, ...)                                                           \
	do {                                                                   \
		static const enum op seq_[] = { __VA_ARGS__ };                 \
		run_sequence(fx, seq_, sizeof(seq_) / sizeof(seq_[0]));        \
	} while (0)

static void test_real_client_sequences(void **state)
{
	struct fixture *fx = *state;

	/* aplay: open, play, drain, close */
	RUN(fx, SET_PARAMS, PREPARE, START, STOP, RELEASE);
	assert_int_equal(fx->end.live, 0);
	/* sox: parameters and prepare three times before starting */
	RUN(fx, SET_PARAMS, PREPARE, SET_PARAMS, PREPARE, SET_PARAMS, PREPARE, START, STOP,
	    RELEASE);
	assert_int_equal(fx->end.live, 0);
	/* pause / resume (virtio_snd: PAUSE_PUSH -> STOP, PAUSE_RELEASE -> START) */
	RUN(fx, SET_PARAMS, PREPARE, START, STOP, START, STOP, START, STOP, RELEASE);
	/* drop then prepare again (snd_pcm_drop + snd_pcm_prepare) */
	RUN(fx, SET_PARAMS, PREPARE, START, STOP, RELEASE, PREPARE, START, STOP, RELEASE);
	/* paused, closed without RELEASE, reopened: SET_PARAMS while STOPPED */
	RUN(fx, SET_PARAMS, PREPARE, START, STOP, SET_PARAMS, PREPARE, START, STOP, RELEASE);
	/* prepared, never started, closed: hw_free sends nothing; next open */
	RUN(fx, SET_PARAMS, PREPARE, SET_PARAMS, PREPARE, RELEASE);
	/* repeated STOP */
	RUN(fx, SET_PARAMS, PREPARE, START, STOP, STOP, RELEASE, RELEASE);
	assert_int_equal(fx->end.live, 0);

	/* suspend / resume: STOP, device reset, then sync_stop's RELEASE on a
	 * fresh stream, then the driver re-sends SET_PARAMS and PREPARE */
	RUN(fx, SET_PARAMS, PREPARE, START, STOP);
	snd_stream_reset(&fx->s);
	assert_int_equal(fx->end.live, 0);
	RUN(fx, RELEASE, SET_PARAMS, PREPARE, START);
	/* reset while running */
	snd_stream_reset(&fx->s);
	assert_int_equal(fx->end.live, 0);
	assert_int_equal(fx->s.state, SND_STREAM_INITIAL);
	assert_int_equal(fx->end.opens, fx->end.closes);
	assert_int_equal(fx->end.max_live, 1);
}

static void test_latency(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(snd_stream_latency_bytes(&fx->s), 0);	/* no end */
	drive_to(&fx->s, SND_STREAM_STARTED);
	fx->end.delay = 480;
	assert_int_equal(snd_stream_latency_bytes(&fx->s), 480 * 4);
	fx->end.delay = 0xffffffffu;
	assert_int_equal(snd_stream_latency_bytes(&fx->s), 0xffffffffu);	/* saturates */
}

static void test_init_rejects_bad_desc(void **state)
{
	struct fixture *fx = *state;
	struct snd_stream s2;
	struct snd_stream_desc d;
	struct snd_end_ops no_close = fake_end_ops;
	char long_name[SND_END_NAME_MAX + 1];

	no_close.close = NULL;
	memset(long_name, 'x', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = 0;

	d = stream_desc(&fx->end); assert_int_equal(snd_stream_init(&s2, 0, &d, NULL), 0);
	assert_int_not_equal(snd_stream_init(&s2, 0, NULL, NULL), 0);
	d = stream_desc(&fx->end); d.direction = 2;
	assert_int_not_equal(snd_stream_init(&s2, 0, &d, NULL), 0);
	d = stream_desc(&fx->end); d.channels_min = 0;
	assert_int_not_equal(snd_stream_init(&s2, 0, &d, NULL), 0);
	d = stream_desc(&fx->end); d.channels_min = 3;
	assert_int_not_equal(snd_stream_init(&s2, 0, &d, NULL), 0);
	d = stream_desc(&fx->end); d.channels_max = SND_FORMAT_CHANNELS_MAX + 1;
	assert_int_not_equal(snd_stream_init(&s2, 0, &d, NULL), 0);
	d = stream_desc(&fx->end); d.formats = 0;
	assert_int_not_equal(snd_stream_init(&s2, 0, &d, NULL), 0);
	d = stream_desc(&fx->end); d.formats = 1u << VIRTIO_SND_PCM_FMT_IMA_ADPCM;
	assert_int_not_equal(snd_stream_init(&s2, 0, &d, NULL), 0);
	d = stream_desc(&fx->end); d.rates = 0;
	assert_int_not_equal(snd_stream_init(&s2, 0, &d, NULL), 0);
	d = stream_desc(&fx->end); d.rates = UINT64_C(1) << 20;
	assert_int_not_equal(snd_stream_init(&s2, 0, &d, NULL), 0);
	d = stream_desc(&fx->end); d.end_ops = NULL;
	assert_int_not_equal(snd_stream_init(&s2, 0, &d, NULL), 0);
	d = stream_desc(&fx->end); d.end_ops = &no_close;
	assert_int_not_equal(snd_stream_init(&s2, 0, &d, NULL), 0);
	d = stream_desc(&fx->end); d.end_name = "";
	assert_int_not_equal(snd_stream_init(&s2, 0, &d, NULL), 0);
	d = stream_desc(&fx->end); d.end_name = NULL;
	assert_int_not_equal(snd_stream_init(&s2, 0, &d, NULL), 0);
	d = stream_desc(&fx->end); d.end_name = long_name;
	assert_int_not_equal(snd_stream_init(&s2, 0, &d, NULL), 0);
}

static void test_state_names(void **state)
{
	(void)state;
	assert_string_equal(snd_stream_state_name(SND_STREAM_INITIAL), "initial");
	assert_string_equal(snd_stream_state_name(SND_STREAM_PARAMS), "params-set");
	assert_string_equal(snd_stream_state_name(SND_STREAM_PREPARED), "prepared");
	assert_string_equal(snd_stream_state_name(SND_STREAM_STARTED), "started");
	assert_string_equal(snd_stream_state_name(SND_STREAM_STOPPED), "stopped");
	assert_string_equal(snd_stream_state_name(SND_STREAM_RELEASED), "released");
	assert_string_equal(snd_stream_state_name((enum snd_stream_state)99), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_every_transition, setup, teardown),
		cmocka_unit_test_setup_teardown(test_end_calls, setup, teardown),
		cmocka_unit_test_setup_teardown(test_set_params_validation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_offered_features_accepted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_end_failures, setup, teardown),
		cmocka_unit_test_setup_teardown(test_real_client_sequences, setup, teardown),
		cmocka_unit_test_setup_teardown(test_latency, setup, teardown),
		cmocka_unit_test_setup_teardown(test_init_rejects_bad_desc, setup, teardown),
		cmocka_unit_test(test_state_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
