// SPDX-License-Identifier: MIT
/*
 * The "null" end: paced in real time (end_pace.c), output discarded, input
 * silence in the stream's format.
 */
#include <errno.h>
#include <stdlib.h>

#include "end_pace.h"
#include "snd_ends.h"
#include "snd_proto.h"

struct null_end {
	struct end_pace pace;
	struct snd_end_params params;
	uint64_t frames;
};

static int null_open(void *ctx, const char *name, const struct snd_end_params *p, void **handle)
{
	struct null_end *e;
	uint32_t period, buffer;

	(void)ctx;
	(void)name;
	if (!p->rate_hz || !p->frame_bytes)
		return -EINVAL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->params = *p;
	snd_end_host_buffer(p, &period, &buffer);
	end_pace_init(&e->pace, p->direction == VIRTIO_SND_D_OUTPUT, p->rate_hz, period, buffer);
	*handle = e;
	return 0;
}

static int null_prepare(void *handle)
{
	end_pace_prepare(&((struct null_end *)handle)->pace);
	return 0;
}

static int null_start(void *handle)
{
	end_pace_start(&((struct null_end *)handle)->pace);
	return 0;
}

static int null_stop(void *handle)
{
	end_pace_stop(&((struct null_end *)handle)->pace);
	return 0;
}

static void null_close(void *handle)
{
	free(handle);
}

static int null_delay(void *handle, uint32_t *frames)
{
	*frames = end_pace_delay(&((struct null_end *)handle)->pace);
	return 0;
}

static long null_write(void *handle, const void *buf, uint32_t frames)
{
	struct null_end *e = handle;
	uint32_t n = end_pace_avail(&e->pace, NULL);

	(void)buf;
	if (n > frames)
		n = frames;
	end_pace_commit(&e->pace, n);
	e->frames += n;
	return n;
}

static long null_read(void *handle, void *buf, uint32_t frames)
{
	struct null_end *e = handle;
	uint32_t n = end_pace_avail(&e->pace, NULL);

	if (n > frames)
		n = frames;
	if (n)
		snd_pcm_format_set_silence(e->params.format, buf, n * e->params.channels);
	end_pace_commit(&e->pace, n);
	e->frames += n;
	return n;
}

static int null_wait(void *handle, uint32_t frames, uint64_t *ns)
{
	*ns = end_pace_wait_ns(&((struct null_end *)handle)->pace, frames);
	return 0;
}

static int null_stats(void *handle, struct snd_end_stats *st)
{
	struct null_end *e = handle;

	st->frames = e->frames;
	st->xruns = e->pace.xruns;
	st->dropped = 0;	/* stop keeps the queue */
	return 0;
}

const struct snd_end_ops snd_end_null_ops = {
	.open = null_open,
	.prepare = null_prepare,
	.start = null_start,
	.stop = null_stop,
	.close = null_close,
	.delay_frames = null_delay,
	.write = null_write,
	.read = null_read,
	.wait_ns = null_wait,
	.stats = null_stats,
};
