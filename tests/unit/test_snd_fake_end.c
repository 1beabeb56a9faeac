// SPDX-License-Identifier: MIT
/* The recording fake end; see test_snd_fake_end.h. */
#include "test_snd_fake_end.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fake_handle {
	struct fake_end *f;
	int open;
};

void fake_end_clear(struct fake_end *f)
{
	memset(f, 0, sizeof(*f));
}

static int fake_open(void *ctx, const char *name, const struct snd_end_params *p, void **handle)
{
	struct fake_end *f = ctx;
	struct fake_handle *h;

	if (f->fail_open) {
		f->fail_open = 0;
		return -5;
	}
	h = malloc(sizeof(*h));
	if (!h)
		return -12;
	h->f = f;
	h->open = 1;
	f->opens++;
	f->live++;
	if (f->live > f->max_live)
		f->max_live = f->live;
	f->last_params = *p;
	snprintf(f->last_name, sizeof(f->last_name), "%s", name);
	*handle = h;
	return 0;
}

static struct fake_end *check(void *handle)
{
	struct fake_handle *h = handle;

	if (!h->open)
		h->f->misuse++;
	return h->f;
}

static int fake_prepare(void *handle)
{
	struct fake_end *f = check(handle);

	f->prepares++;
	if (f->fail_prepare) {
		f->fail_prepare = 0;
		return -5;
	}
	return 0;
}

static int fake_start(void *handle)
{
	struct fake_end *f = check(handle);

	f->starts++;
	if (f->fail_start) {
		f->fail_start = 0;
		return -5;
	}
	return 0;
}

static int fake_stop(void *handle)
{
	struct fake_end *f = check(handle);

	f->stops++;
	if (f->fail_stop) {
		f->fail_stop = 0;
		return -5;
	}
	return 0;
}

static void fake_close(void *handle)
{
	struct fake_handle *h = handle;
	struct fake_end *f = check(handle);

	f->closes++;
	f->live--;
	h->open = 0;
	free(h);
}

static int fake_delay(void *handle, uint32_t *frames)
{
	*frames = check(handle)->delay;
	return 0;
}

const struct snd_end_ops fake_end_ops = {
	.open = fake_open,
	.prepare = fake_prepare,
	.start = fake_start,
	.stop = fake_stop,
	.close = fake_close,
	.delay_frames = fake_delay,
};
