// SPDX-License-Identifier: MIT
/*
 * vhost-user-sound's device: see vus_device.h. The control thread (the
 * vhost-user server's) pops the control and event queues and serializes
 * all device-model calls; tx/rx requests go to the I/O layer, whose audio
 * threads complete them through vhu_backend_push (locked per queue).
 *
 * The tx and rx queues are popped on kicks by the control thread and, while
 * a stream of theirs runs, by its audio thread once a round (snd_io.h,
 * poll_queue). As long as some audio thread polls a queue, the driver's
 * kicks on it stay off: a period then costs the guest no kick and the
 * backend no control-thread wake-up. The last poller to stop turns them on
 * again and takes what arrived meanwhile.
 */
#include "vus_device.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host_jacks.h"
#include "snd_ctl.h"
#include "snd_device.h"
#include "snd_ends.h"
#include "snd_format.h"
#include "snd_io.h"
#include "vq_iov.h"

enum { Q_CTL, Q_EVT, Q_TX, Q_RX, Q_NUM };

/* Control requests and responses are small (the largest is a TLV or a
 * *_INFO answer for many items); bigger ones get BAD_MSG from snd_ctl. */
#define CTL_BUF_MAX (64u * 1024u)

/* The tx or rx queue: popped by the control thread or an audio thread. */
struct pcm_queue {
	pthread_mutex_t lock;	/* one popper at a time */
	bool lock_ok;
	uint32_t pollers;	/* bit per stream whose audio thread polls it */
	/* Reset: no polling until the queue is kicked again (the ring may stop
	 * and its memory go away at any time after the reset op). */
	bool quiet;
	struct vq_elem *elem;	/* scratch request of the popper */
};

_Static_assert(VUS_MAX_STREAMS <= 32, "pollers has a bit per stream");

struct vus_device {
	struct snd_device *dev;
	struct snd_io *io;
	struct vhu_backend *b;
	struct snd_stream_desc sdesc[VUS_MAX_STREAMS];
	struct snd_io_stream_desc iodesc[VUS_MAX_STREAMS];
	char names[VUS_MAX_STREAMS][SND_END_NAME_MAX];
	uint32_t n_streams;
	int card[VUS_MAX_STREAMS];	/* host ALSA card, -1 for null/wav */
	struct host_jacks *jacks;
	bool events_waiting;	/* the model queued an event since the last flush */
	struct vq_elem *elem;	/* scratch request: ~16 KiB, control thread only */
	struct pcm_queue pcm[2];	/* Q_TX, Q_RX */
	uint8_t *req, *resp;
	char log_name[80];
};

/* ---- completions (audio threads and snd_io_release) */

/* The cookie carries queue and head, not a pointer: after a reset, no
 * memory of ours is tied to a request the I/O layer dropped. */
static void *cookie_of(uint32_t q, uint16_t head)
{
	return (void *)(uintptr_t)(((uintptr_t)q << 16 | head) + 1);
}

static void io_complete(void *opaque, void *cookie, uint32_t used_len)
{
	struct vus_device *d = opaque;
	uintptr_t v = (uintptr_t)cookie - 1;

	vhu_backend_push(d->b, (uint32_t)(v >> 16), (uint16_t)(v & 0xffff), used_len);
}

/* ---- device-model hooks (control thread, inside snd_ctl_handle) */

static void hook_event_queued(void *opaque)
{
	struct vus_device *d = opaque;

	/* Must not call back into the model here: flushed after the request. */
	d->events_waiting = true;
}

/* Pass a stream's volume/switch to its audio thread (an atomic store). */
static void push_gain(struct vus_device *d, uint32_t stream_id)
{
	int32_t cdb;
	bool muted;

	if (!snd_device_stream_gain(d->dev, stream_id, &cdb, &muted))
		snd_io_set_gain(d->io, stream_id, cdb, muted);
}

static void hook_ctl_changed(void *opaque, uint32_t control_id)
{
	struct vus_device *d = opaque;

	if (control_id < d->dev->n_controls)
		push_gain(d, d->dev->controls[control_id].stream_id);
}

static void take_pcm(struct vus_device *d, uint32_t q, struct pcm_queue *p);

static void hook_io_release(void *opaque, uint32_t stream_id)
{
	struct vus_device *d = opaque;

	/*
	 * RELEASE completes every pending request of the stream, those still
	 * in the ring included. While an audio thread polled the queue the
	 * driver did not kick for them, and that thread hands the queue back
	 * (and takes them) when it has seen the STOP, which may be after this
	 * release: what it took then stayed queued on a released stream, and
	 * the driver's flush at RELEASE timed out. So take them first.
	 */
	if (d->b && stream_id < d->n_streams) {
		uint32_t q = d->iodesc[stream_id].direction == VIRTIO_SND_D_OUTPUT ? Q_TX : Q_RX;
		struct pcm_queue *p = &d->pcm[q - Q_TX];

		pthread_mutex_lock(&p->lock);
		if (!p->quiet)
			take_pcm(d, q, p);
		pthread_mutex_unlock(&p->lock);
	}
	snd_io_release(d->io, stream_id);
}

/* ---- queues */

static void flush_events(struct vus_device *d)
{
	struct vq_elem *e = d->elem;

	while (snd_device_events_pending(d->dev)) {
		struct virtio_snd_event ev;

		if (vhu_backend_pop(d->b, Q_EVT, e) != 1)
			return;	/* no buffer yet: the next kick on queue 1 retries */
		snd_device_event_pop(d->dev, &ev);
		vhu_backend_push(d->b, Q_EVT, e->head,
				 (uint32_t)vq_iov_from_buf(e->iov + e->out_num, e->in_num, 0,
							   &ev, sizeof(ev)));
	}
	d->events_waiting = false;
}

static void serve_ctl(struct vus_device *d, uint32_t q, struct vq_elem *e)
{
	size_t req_len = vq_iov_to_buf(e->iov, e->out_num, 0, d->req, CTL_BUF_MAX);
	size_t cap = vq_iov_size(e->iov + e->out_num, e->in_num);
	size_t n;

	if (cap > CTL_BUF_MAX)
		cap = CTL_BUF_MAX;
	n = snd_ctl_handle(d->dev, d->req, req_len, d->resp, cap);
	n = vq_iov_from_buf(e->iov + e->out_num, e->in_num, 0, d->resp, n);
	vhu_backend_push(d->b, q, e->head, (uint32_t)n);
}

static void serve_pcm(struct vus_device *d, uint32_t q, struct vq_elem *e)
{
	uint8_t dir = q == Q_TX ? VIRTIO_SND_D_OUTPUT : VIRTIO_SND_D_INPUT;
	uint32_t used = 0;
	int r;

	r = snd_io_submit(d->io, dir, cookie_of(q, e->head), e->iov, e->out_num, e->in_num,
			  &used);
	if (r != 0)	/* completed at once (malformed, stream without an end) */
		vhu_backend_push(d->b, q, e->head, r == 1 ? used : 0);
}

/*
 * Requests (and rounds of the kick loop) one kick handler takes before it
 * lets the serving loop look at its other descriptors again; the rest
 * comes with a kick it sends itself. Without a bound, a driver that
 * refills its ring as fast as it is served, or rings laid over each other
 * (each completion then "adds" a request), kept the handler looping for
 * ever (found by fuzz_vhost_user_backend).
 */
#define KICK_BUDGET 512

/* One more request or round for this kick, or false (and a kick later). */
static bool kick_spend(struct vus_device *d, uint32_t q, unsigned int *budget)
{
	if (*budget) {
		(*budget)--;
		return true;
	}
	vhu_backend_kick_later(d->b, q);
	return false;
}

/*
 * Serve every request of queue q through e, within KICK_BUDGET. Kicks are
 * off while popping; then on again, unless *pollers says an audio thread
 * polls the queue (then they stay off), and one more round if the driver
 * added requests meanwhile (notify_enable says so).
 */
static void drain(struct vus_device *d, uint32_t q, struct vq_elem *e,
		  void (*serve)(struct vus_device *d, uint32_t q, struct vq_elem *e),
		  const uint32_t *pollers)
{
	unsigned int budget = KICK_BUDGET;

	do {
		vhu_backend_notify_enable(d->b, q, false);
		while (kick_spend(d, q, &budget) && vhu_backend_pop(d->b, q, e) == 1)
			serve(d, q, e);
	} while (kick_spend(d, q, &budget) && !(pollers && *pollers) &&
		 vhu_backend_notify_enable(d->b, q, true));
}

/* Take every request of tx/rx queue q, with p->lock held. */
static void take_pcm(struct vus_device *d, uint32_t q, struct pcm_queue *p)
{
	drain(d, q, p->elem, serve_pcm, &p->pollers);
}

/* snd_io's poll_queue hook (audio threads). */
static void io_poll(void *opaque, uint8_t direction, uint32_t stream_id, bool polling)
{
	struct vus_device *d = opaque;
	uint32_t q = direction == VIRTIO_SND_D_OUTPUT ? Q_TX : Q_RX;
	struct pcm_queue *p = &d->pcm[q - Q_TX];

	if (!d->b)
		return;
	pthread_mutex_lock(&p->lock);
	if (polling)
		p->pollers |= 1u << stream_id;
	else
		p->pollers &= ~(1u << stream_id);
	if (!p->quiet)
		take_pcm(d, q, p);
	pthread_mutex_unlock(&p->lock);
}

static void dev_kick(void *opaque, struct vhu_backend *b, uint32_t q)
{
	struct vus_device *d = opaque;

	(void)b;
	if (q == Q_EVT) {
		flush_events(d);
		return;
	}
	if (q == Q_TX || q == Q_RX) {
		struct pcm_queue *p = &d->pcm[q - Q_TX];

		pthread_mutex_lock(&p->lock);
		p->quiet = false;
		take_pcm(d, q, p);
		pthread_mutex_unlock(&p->lock);
	} else {
		drain(d, q, d->elem, serve_ctl, NULL);
	}
	if (d->events_waiting)
		flush_events(d);
}

/* ---- vhu_dev_ops */

static uint64_t dev_features(void *opaque)
{
	struct vus_device *d = opaque;

	return snd_device_features(d->dev);
}

static uint32_t dev_queue_num(void *opaque)
{
	(void)opaque;
	return Q_NUM;
}

static uint32_t dev_get_config(void *opaque, uint8_t *buf, uint32_t cap)
{
	struct vus_device *d = opaque;
	struct snd_proto_config cfg;
	uint32_t n = sizeof(cfg) < cap ? (uint32_t)sizeof(cfg) : cap;

	snd_device_config(d->dev, &cfg);
	memcpy(buf, &cfg, n);
	return n;
}

static void dev_set_features(void *opaque, uint64_t acked)
{
	struct vus_device *d = opaque;

	snd_device_set_acked_features(d->dev, acked);
}

static void dev_reset(void *opaque)
{
	struct vus_device *d = opaque;

	/* No audio thread takes new requests from here on (one that is
	 * popping now finishes first), and they drop the ones they have,
	 * before the rings go away. */
	for (int i = 0; i < 2; i++) {
		pthread_mutex_lock(&d->pcm[i].lock);
		d->pcm[i].quiet = true;
		pthread_mutex_unlock(&d->pcm[i].lock);
	}
	snd_io_reset(d->io);
	snd_device_reset(d->dev);
	d->events_waiting = false;
}

const struct vhu_dev_ops vus_device_ops = {
	.features = dev_features,
	.queue_num = dev_queue_num,
	.get_config = dev_get_config,
	.set_features = dev_set_features,
	.kick = dev_kick,
	.reset = dev_reset,
};

void vus_device_attach(struct vus_device *d, struct vhu_backend *b)
{
	d->b = b;
}

unsigned int vus_device_fds(const struct vus_device *d, int *fds, unsigned int cap)
{
	return host_jacks_fds(d->jacks, fds, cap);
}

static void jack_changed(void *opaque, uint32_t jack_id, bool connected)
{
	struct vus_device *d = opaque;

	snd_device_jack_set_connected(d->dev, jack_id, connected);
}

void vus_device_service(struct vus_device *d)
{
	host_jacks_service(d->jacks, jack_changed, d);
	/* Without a frontend (or an event buffer) the event waits: the
	 * next kick of the event queue sends it; JACK_INFO has the state. */
	if (d->events_waiting && d->b)
		flush_events(d);
}

unsigned int vus_device_streams_running(const struct vus_device *d)
{
	unsigned int n = 0;

	for (uint32_t i = 0; i < d->n_streams; i++)
		n += snd_stream_running(&d->dev->streams[i]);
	return n;
}

uint32_t vus_device_jacks(const struct vus_device *d)
{
	return host_jacks_count(d->jacks);
}

/* ---- building */

/* What a null or wav end advertises: they take any layout (the wav end
 * writes exactly the bytes; for capture the file must match). */
static void fixed_caps(struct snd_stream_desc *s)
{
	static const unsigned int rates[] = {
		VIRTIO_SND_PCM_RATE_8000,   VIRTIO_SND_PCM_RATE_11025, VIRTIO_SND_PCM_RATE_16000,
		VIRTIO_SND_PCM_RATE_22050,  VIRTIO_SND_PCM_RATE_32000, VIRTIO_SND_PCM_RATE_44100,
		VIRTIO_SND_PCM_RATE_48000,  VIRTIO_SND_PCM_RATE_64000, VIRTIO_SND_PCM_RATE_88200,
		VIRTIO_SND_PCM_RATE_96000,  VIRTIO_SND_PCM_RATE_176400, VIRTIO_SND_PCM_RATE_192000,
	};
	size_t i;

	s->formats = (1ULL << VIRTIO_SND_PCM_FMT_U8) | (1ULL << VIRTIO_SND_PCM_FMT_S16) |
		     (1ULL << VIRTIO_SND_PCM_FMT_S24) | (1ULL << VIRTIO_SND_PCM_FMT_S32) |
		     (1ULL << VIRTIO_SND_PCM_FMT_FLOAT);
	s->formats &= snd_format_mappable_mask();
	s->rates = 0;
	for (i = 0; i < sizeof(rates) / sizeof(rates[0]); i++)
		s->rates |= 1ULL << rates[i];
	s->rates &= snd_rate_mappable_mask();
	s->channels_min = 1;
	s->channels_max = 8;
}

static int stream_caps(const struct vus_stream_opt *so, struct snd_stream_desc *s, int *card,
		       char *err, size_t errlen)
{
	struct snd_end_probe probe;
	struct snd_pcm_caps caps;
	char why[256] = "";
	int r;

	*card = -1;
	if (!strcmp(so->end, "null") || !strncmp(so->end, "wav:", 4)) {
		fixed_caps(s);
		return 0;
	}
	r = snd_end_alsa_probe(so->end, so->direction, &probe, why, sizeof(why));
	if (r) {
		snprintf(err, errlen, "%s stream %s: %s",
			 so->direction == VIRTIO_SND_D_OUTPUT ? "playback" : "capture", so->end,
			 why[0] ? why : strerror(-r));
		return -1;
	}
	if (snd_caps_from_probe(&probe.caps, &caps)) {
		snprintf(err, errlen, "%s: no format, rate or channel count virtio_snd can carry",
			 so->end);
		return -1;
	}
	*card = probe.card;
	s->formats = caps.formats;
	s->rates = caps.rates;
	s->channels_min = caps.channels_min;
	s->channels_max = caps.channels_max;
	return 0;
}

int vus_device_create(const struct vus_opts *o, struct vus_device **out, char *err,
		      size_t errlen)
{
	struct snd_io_config iocfg = { .complete = io_complete, .poll_queue = io_poll };
	struct snd_device_desc desc = { 0 };
	struct vus_device *d = calloc(1, sizeof(*d));
	uint32_t nid[2] = { 0, 0 }, i;
	int r;

	if (!d || !(d->elem = malloc(sizeof(*d->elem))) || !(d->req = malloc(CTL_BUF_MAX)) ||
	    !(d->resp = malloc(CTL_BUF_MAX))) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	for (i = 0; i < 2; i++) {
		d->pcm[i].elem = malloc(sizeof(*d->pcm[i].elem));
		d->pcm[i].lock_ok = d->pcm[i].elem && !pthread_mutex_init(&d->pcm[i].lock, NULL);
		if (!d->pcm[i].lock_ok) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
	}
	snprintf(d->log_name, sizeof(d->log_name), "%s", o->name);
	d->n_streams = o->n_streams;
	for (i = 0; i < o->n_streams; i++) {
		const struct vus_stream_opt *so = &o->streams[i];
		struct snd_stream_desc *s = &d->sdesc[i];

		if (stream_caps(so, s, &d->card[i], err, errlen))
			goto fail;
		snprintf(d->names[i], sizeof(d->names[i]), "%s", so->end);
		s->direction = so->direction;
		/* The N-th stream of a direction is the guest's PCM device N. */
		s->hda_fn_nid = nid[so->direction == VIRTIO_SND_D_INPUT]++;
		s->end_name = d->names[i];
		d->iodesc[i].direction = so->direction;
		d->iodesc[i].end_ops = snd_end_for_name(so->end);
		d->iodesc[i].end_ctx = NULL;
	}
	iocfg.opaque = d;
	iocfg.rt_priority = o->rt_priority;
	iocfg.host_periods = o->host_periods;
	iocfg.name = d->log_name;
	r = snd_io_create(&iocfg, d->iodesc, d->n_streams, &d->io);
	if (r) {
		snprintf(err, errlen, "starting the audio threads: %s", strerror(-r));
		goto fail;
	}
	/* The model drives each real end through the I/O layer's wrapper. */
	for (i = 0; i < d->n_streams; i++) {
		d->sdesc[i].end_ops = &snd_io_end_ops;
		d->sdesc[i].end_ctx = snd_io_end_ctx(d->io, i);
	}
	{
		struct host_jack_stream hj[VUS_MAX_STREAMS];

		for (i = 0; i < d->n_streams; i++)
			hj[i] = (struct host_jack_stream){ .card = d->card[i],
							   .direction = d->sdesc[i].direction,
							   .nid = d->sdesc[i].hda_fn_nid };
		if (host_jacks_open(hj, d->n_streams, d->log_name, &d->jacks)) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
	}
	desc.jacks = host_jacks_descs(d->jacks);
	desc.n_jacks = host_jacks_count(d->jacks);
	desc.streams = d->sdesc;
	desc.n_streams = d->n_streams;
	desc.chmaps = true;
	desc.controls = true;
	desc.hooks.opaque = d;
	desc.hooks.event_queued = hook_event_queued;
	desc.hooks.io_release = hook_io_release;
	desc.hooks.ctl_changed = hook_ctl_changed;
	r = snd_device_create(&desc, &d->dev);
	if (r) {
		snprintf(err, errlen, "building the device: %s", strerror(-r));
		goto fail;
	}
	for (i = 0; i < d->n_streams; i++)
		push_gain(d, i);
	*out = d;
	return 0;
fail:
	vus_device_destroy(d);
	return -1;
}

void vus_device_destroy(struct vus_device *d)
{
	if (!d)
		return;
	/* The model first: it closes the ends through the I/O layer's wrapper. */
	snd_device_destroy(d->dev);
	snd_io_destroy(d->io);
	host_jacks_close(d->jacks);
	/* After snd_io_destroy: no audio thread polls any more. */
	for (int i = 0; i < 2; i++) {
		if (d->pcm[i].lock_ok)
			pthread_mutex_destroy(&d->pcm[i].lock);
		free(d->pcm[i].elem);
	}
	free(d->elem);
	free(d->req);
	free(d->resp);
	free(d);
}
