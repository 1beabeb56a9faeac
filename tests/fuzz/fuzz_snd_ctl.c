// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the control queue handler (sound-backend/snd_ctl.c)
 * on a device with 2 streams (output + input), 2 jacks, channel maps and
 * controls. Build and run: `make check-snd-fuzz' (tests/unit/snd.mk).
 *
 * Input: a sequence of records, so that the fuzzer reaches deep states:
 *   op (1 byte), then by op % 8:
 *     0..4  a request: le16 req_len, le16 resp_cap, req_len bytes
 *     5     device reset
 *     6     device-side change: 1 byte selector, 4 bytes value
 *     7     drain the event queue
 * Request and response live in exact-size heap buffers, so any access
 * outside them is caught by ASan. After each input the device is destroyed
 * and the fake ends must have seen balanced open/close.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snd_ctl.h"
#include "snd_device.h"

#define RESP_MAX 8192

struct end_count {
	long live;
	long misuse;
};

struct handle {
	struct end_count *c;
	int open;
};

static int f_open(void *ctx, const char *name, const struct snd_end_params *p, void **h)
{
	struct handle *x;

	(void)name;
	if (!p->frame_bytes || !p->period_bytes || p->buffer_bytes % p->period_bytes)
		abort();	/* the stream must never open with unchecked params */
	x = malloc(sizeof(*x));
	if (!x)
		return -12;
	x->c = ctx;
	x->open = 1;
	x->c->live++;
	*h = x;
	return 0;
}

static int f_op(void *h)
{
	struct handle *x = h;

	if (!x->open)
		x->c->misuse++;
	return 0;
}

static void f_close(void *h)
{
	struct handle *x = h;

	if (!x->open)
		x->c->misuse++;
	x->c->live--;
	free(x);
}

static int f_delay(void *h, uint32_t *frames)
{
	f_op(h);
	*frames = 123;
	return 0;
}

static const struct snd_end_ops ops = {
	.open = f_open, .prepare = f_op, .start = f_op, .stop = f_op,
	.close = f_close, .delay_frames = f_delay,
};

static struct snd_device *make_device(struct end_count *c)
{
	const struct snd_stream_desc s[2] = {
		{ .direction = VIRTIO_SND_D_OUTPUT, .channels_min = 1, .channels_max = 8,
		  .formats = 1u << VIRTIO_SND_PCM_FMT_S16 | 1u << VIRTIO_SND_PCM_FMT_S24_3 |
			     1u << VIRTIO_SND_PCM_FMT_FLOAT | 1u << VIRTIO_SND_PCM_FMT_U8,
		  .rates = 1u << VIRTIO_SND_PCM_RATE_8000 | 1u << VIRTIO_SND_PCM_RATE_48000 |
			   1u << VIRTIO_SND_PCM_RATE_192000,
		  .features = 1u << VIRTIO_SND_PCM_F_EVT_XRUNS, .hda_fn_nid = 0,
		  .end_name = "null", .end_ops = &ops, .end_ctx = c },
		{ .direction = VIRTIO_SND_D_INPUT, .channels_min = 2, .channels_max = 2,
		  .formats = 1u << VIRTIO_SND_PCM_FMT_S32, .rates = 1u << VIRTIO_SND_PCM_RATE_44100,
		  .hda_fn_nid = 1, .end_name = "wav:/dev/null", .end_ops = &ops, .end_ctx = c },
	};
	const struct snd_jack_desc j[2] = {
		{ .hda_fn_nid = 0, .defconf = 0x01214010, .connected = true, .remappable = true },
		{ .hda_fn_nid = 1, .defconf = 0x01a19020 },
	};
	const struct snd_device_desc desc = {
		.streams = s, .n_streams = 2, .jacks = j, .n_jacks = 2,
		.chmaps = true, .controls = true,
	};
	struct snd_device *d;

	if (snd_device_create(&desc, &d))
		abort();
	return d;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct end_count c = { 0, 0 };
	struct snd_device *d = make_device(&c);
	struct virtio_snd_event ev;

	while (size >= 1) {
		uint8_t op = *data++;

		size--;
		switch (op % 8) {
		case 5:
			snd_device_reset(d);
			break;
		case 6: {
			int32_t v;

			if (size < 5)
				goto out;
			memcpy(&v, data + 1, 4);
			switch (data[0] % 4) {
			case 0:
				snd_device_jack_set_connected(d, data[0] >> 2, v & 1);
				break;
			case 1:
				snd_device_ctl_set(d, data[0] >> 2, &v, 1);
				break;
			case 2:
				snd_device_pcm_event(d, VIRTIO_SND_EVT_PCM_XRUN, data[0] >> 2);
				break;
			default:
				snd_device_set_acked_features(d, (uint64_t)(uint32_t)v);
				break;
			}
			data += 5;
			size -= 5;
			break;
		}
		case 7:
			while (snd_device_event_pop(d, &ev))
				;
			break;
		default: {
			size_t len, cap, n;
			uint8_t *req, *resp;

			if (size < 4)
				goto out;
			len = (size_t)data[0] | (size_t)data[1] << 8;
			cap = ((size_t)data[2] | (size_t)data[3] << 8) % (RESP_MAX + 1);
			data += 4;
			size -= 4;
			if (len > size)
				len = size;
			req = malloc(len ? len : 1);
			resp = malloc(cap ? cap : 1);
			if (!req || !resp)
				abort();
			memcpy(req, data, len);
			n = snd_ctl_handle(d, len ? req : NULL, len, cap ? resp : NULL, cap);
			if (n > cap || (cap >= 4 && n < 4) || (cap < 4 && n))
				abort();
			for (uint32_t i = 0; i < d->n_streams; i++)
				(void)snd_stream_latency_bytes(&d->streams[i]);
			free(req);
			free(resp);
			data += len;
			size -= len;
			break;
		}
		}
	}
out:
	snd_device_destroy(d);
	if (c.live || c.misuse) {
		fprintf(stderr, "end handles: live %ld misuse %ld\n", c.live, c.misuse);
		abort();
	}
	return 0;
}
