// SPDX-License-Identifier: MIT
/*
 * The ALSA end: a stream bound to an ALSA PCM by name. Never "default"
 * unless that is the name given: a PCM that cannot be opened or configured
 * with the stream's exact parameters fails open (PREPARE answers IO_ERR).
 *
 * The PCM is opened non-blocking, interleaved, with the stream's format,
 * channels and exact rate. A hardware PCM (type hw) gets mmap access where
 * it offers it: alsa-lib then maps the PCM's status and control records, so
 * a write is a copy into the ring plus a store of the application pointer
 * and the position is read from memory, with no system call (mmap_xfer,
 * alsa_delay; snd-vm-bench: the WRITEI and DELAY ioctls were a tenth of
 * the backend's CPU). Plugins keep read/write access: they gain nothing
 * from it, and some would add a copy to emulate mmap. Host period = the
 * guest's period, host buffer = up to --host-periods periods (default 4),
 * never the guest's whole buffer (snd_end_host_buffer). Output starts explicitly
 * with the first frames written after start (start_threshold is the
 * boundary), so an empty buffer never starts and underruns at once.
 *
 * The I/O layer sleeps on the PCM's poll descriptors (avail_min is one
 * period), so the PCM must come back ready at every period boundary: with
 * the position off the period grid by x frames, avail at the next boundary
 * would be a period minus x and the PCM would skip that wake-up (snd-aloop
 * moves in jiffy steps, so a round that wrote all of avail left it off the
 * grid every other period). So write and read move frames only up to the
 * last period boundary avail reaches (from the mmap'd status: no system
 * call), and 0 frames when less than a period is free; wait_ns waits for
 * that boundary.
 *
 * Underrun (output) / overrun (input): recover with snd_pcm_prepare, queue
 * one period of silence (output) so the device resumes with headroom, count
 * it, and log once per burst (the first xrun after a second without one,
 * with the count of the previous burst), not once per period.
 *
 * stop pauses the PCM where the hardware can pause (queued frames kept),
 * else drops them (snd_pcm_drop + snd_pcm_prepare): delay_frames then shows
 * 0 and the I/O layer writes the dropped frames again after start.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "end_pace.h"
#include "snd_ends.h"
#include "snd_proto.h"

struct alsa_end {
	snd_pcm_t *pcm;
	struct snd_end_params params;
	char name[SND_END_NAME_MAX];
	bool output;
	bool mmap;		/* mmap access: write/read by mmap_xfer */
	size_t frame_bytes;	/* of the ring, = the stream's */
	bool can_pause, paused, pending_start;
	snd_pcm_uframes_t period, buffer;
	uint8_t *silence;	/* one period */
	uint64_t frames, dropped;
	uint64_t apos;		/* frames moved since the last snd_pcm_prepare */
	struct snd_xrun_log xrun;	/* .total: the xruns stats reports */
};

static int configure(struct alsa_end *e, bool allow_mmap, char *why, size_t whylen)
{
	const struct snd_end_params *p = &e->params;
	snd_pcm_hw_params_t *hw;
	snd_pcm_sw_params_t *sw;
	snd_pcm_uframes_t period, buffer, boundary;
	uint32_t want_period, want_buffer;
	int rc;

	snd_pcm_hw_params_alloca(&hw);
	snd_pcm_sw_params_alloca(&sw);
	snd_end_host_buffer(p, &want_period, &want_buffer);
	period = want_period;
	buffer = want_buffer;
#define TRY(call, what)                                                    \
	do {                                                               \
		rc = (call);                                               \
		if (rc < 0) {                                              \
			snprintf(why, whylen, "%s: %s", what, snd_strerror(rc)); \
			return rc;                                         \
		}                                                          \
	} while (0)
	TRY(snd_pcm_hw_params_any(e->pcm, hw), "no configuration");
	e->mmap = allow_mmap && snd_pcm_type(e->pcm) == SND_PCM_TYPE_HW &&
		  snd_pcm_hw_params_test_access(e->pcm, hw, SND_PCM_ACCESS_MMAP_INTERLEAVED) == 0;
	TRY(snd_pcm_hw_params_set_access(e->pcm, hw,
					  e->mmap ? SND_PCM_ACCESS_MMAP_INTERLEAVED
						  : SND_PCM_ACCESS_RW_INTERLEAVED),
	    "interleaved access");
	TRY(snd_pcm_hw_params_set_format(e->pcm, hw, p->format), "format");
	TRY(snd_pcm_hw_params_set_channels(e->pcm, hw, p->channels), "channels");
	TRY(snd_pcm_hw_params_set_rate(e->pcm, hw, p->rate_hz, 0), "rate");
	TRY(snd_pcm_hw_params_set_period_size_near(e->pcm, hw, &period, NULL), "period size");
	TRY(snd_pcm_hw_params_set_buffer_size_near(e->pcm, hw, &buffer), "buffer size");
	TRY(snd_pcm_hw_params(e->pcm, hw), "hw params");
	TRY(snd_pcm_hw_params_get_period_size(hw, &e->period, NULL), "period size");
	TRY(snd_pcm_hw_params_get_buffer_size(hw, &e->buffer), "buffer size");
	e->can_pause = snd_pcm_hw_params_can_pause(hw);

	TRY(snd_pcm_sw_params_current(e->pcm, sw), "sw params");
	TRY(snd_pcm_sw_params_get_boundary(sw, &boundary), "boundary");
	/* We start explicitly (see above); xrun when drained. */
	TRY(snd_pcm_sw_params_set_start_threshold(e->pcm, sw, boundary), "start threshold");
	TRY(snd_pcm_sw_params_set_stop_threshold(e->pcm, sw, e->buffer), "stop threshold");
	TRY(snd_pcm_sw_params_set_avail_min(e->pcm, sw, e->period), "avail min");
	TRY(snd_pcm_sw_params(e->pcm, sw), "sw params");
#undef TRY
	return 0;
}

/*
 * The ring as mmap_xfer copies it: one block of interleaved frames of the
 * stream's size, channel c at c times the sample's width. A hw PCM's
 * interleaved buffer is that; anything else goes back to read/write.
 */
static bool mmap_layout_ok(struct alsa_end *e)
{
	const snd_pcm_channel_area_t *areas;
	snd_pcm_uframes_t off, frames = 0;
	ssize_t fb = snd_pcm_frames_to_bytes(e->pcm, 1);
	unsigned int ch = e->params.channels;

	if (fb <= 0 || (size_t)fb != e->params.frame_bytes || (size_t)fb % ch ||
	    snd_pcm_mmap_begin(e->pcm, &areas, &off, &frames) < 0)
		return false;
	for (unsigned int c = 0; c < ch; c++)
		if (areas[c].addr != areas[0].addr ||
		    areas[c].first != c * (unsigned int)fb * 8 / ch ||
		    areas[c].step != (unsigned int)fb * 8)
			return false;
	e->frame_bytes = (size_t)fb;
	return true;
}

static int alsa_open(void *ctx, const char *name, const struct snd_end_params *p, void **handle)
{
	struct alsa_end *e;
	char why[160] = "";
	int rc;

	(void)ctx;
	if (!name || !name[0] || !p->channels || !p->rate_hz ||
	    p->format == SND_PCM_FORMAT_UNKNOWN) {
		fprintf(stderr, "alsa: no PCM name or unusable parameters\n");
		return -EINVAL;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->params = *p;
	e->output = p->direction == VIRTIO_SND_D_OUTPUT;
	snprintf(e->name, sizeof(e->name), "%s", name);
	rc = snd_pcm_open(&e->pcm, name,
			  e->output ? SND_PCM_STREAM_PLAYBACK : SND_PCM_STREAM_CAPTURE,
			  SND_PCM_NONBLOCK);
	if (rc < 0) {
		fprintf(stderr, "alsa %s: cannot open: %s\n", name, snd_strerror(rc));
		free(e);
		return rc;
	}
	rc = configure(e, true, why, sizeof(why));
	if (!rc && e->mmap && !mmap_layout_ok(e)) {
		snd_pcm_hw_free(e->pcm);
		rc = configure(e, false, why, sizeof(why));
	}
	if (!rc) {
		e->silence = malloc(e->period * p->frame_bytes);
		if (!e->silence) {
			rc = -ENOMEM;
			snprintf(why, sizeof(why), "out of memory");
		} else {
			snd_pcm_format_set_silence(p->format, e->silence,
						   (unsigned int)(e->period * p->channels));
		}
	}
	if (rc) {
		fprintf(stderr, "alsa %s: %s %u Hz %u ch not accepted: %s\n", name,
			snd_format_name(p->vformat), p->rate_hz, p->channels, why);
		snd_pcm_close(e->pcm);
		free(e->silence);
		free(e);
		return rc;
	}
	fprintf(stderr, "alsa %s: %s %s %u Hz %u ch, period %lu, buffer %lu frames, %s%s\n",
		name, e->output ? "playback" : "capture", snd_format_name(p->vformat), p->rate_hz,
		p->channels, (unsigned long)e->period, (unsigned long)e->buffer,
		e->mmap ? "mmap" : "read/write", e->can_pause ? ", can pause" : "");
	*handle = e;
	return 0;
}

static void log_xrun(struct alsa_end *e)
{
	uint64_t prev = 0;

	if (!snd_xrun_note(&e->xrun, end_pace_now_ns(), &prev))
		return;
	if (prev > 1)
		fprintf(stderr, "alsa %s: previous burst had %llu %s\n", e->name,
			(unsigned long long)prev, e->output ? "underruns" : "overruns");
	fprintf(stderr, "alsa %s: %s (total %llu); recovering%s\n", e->name,
		e->output ? "underrun" : "overrun", (unsigned long long)e->xrun.total,
		e->output ? " with silence" : "");
}

/* snd_pcm_prepare, and the period grid starts again at the new position. */
static int prepare_pcm(struct alsa_end *e)
{
	e->apos = 0;
	return snd_pcm_prepare(e->pcm);
}

static int alsa_prepare(void *handle)
{
	struct alsa_end *e = handle;
	int rc;

	snd_pcm_drop(e->pcm);
	rc = prepare_pcm(e);
	e->paused = false;
	e->pending_start = false;
	if (rc < 0)
		fprintf(stderr, "alsa %s: prepare: %s\n", e->name, snd_strerror(rc));
	return rc < 0 ? rc : 0;
}

static int kick(struct alsa_end *e)
{
	int rc = snd_pcm_start(e->pcm);

	if (rc < 0 && rc != -EBADFD)
		fprintf(stderr, "alsa %s: start: %s\n", e->name, snd_strerror(rc));
	e->pending_start = false;
	return rc;
}

static int alsa_start(void *handle)
{
	struct alsa_end *e = handle;
	snd_pcm_state_t st = snd_pcm_state(e->pcm);
	snd_pcm_sframes_t d = 0;

	if (e->paused) {
		int rc = snd_pcm_pause(e->pcm, 0);

		e->paused = false;
		if (rc >= 0)
			return 0;
		/* could not resume: start afresh (the I/O layer rewrites) */
		snd_pcm_drop(e->pcm);
		prepare_pcm(e);
		st = snd_pcm_state(e->pcm);
	}
	if (st == SND_PCM_STATE_SETUP || st == SND_PCM_STATE_XRUN) {
		prepare_pcm(e);
		st = snd_pcm_state(e->pcm);
	}
	if (st != SND_PCM_STATE_PREPARED)
		return 0;
	if (e->output && (snd_pcm_delay(e->pcm, &d) < 0 || d <= 0)) {
		e->pending_start = true;	/* with the first write */
		return 0;
	}
	return kick(e) < 0 ? -EIO : 0;
}

static int alsa_stop(void *handle)
{
	struct alsa_end *e = handle;

	e->pending_start = false;
	if (e->can_pause && snd_pcm_state(e->pcm) == SND_PCM_STATE_RUNNING &&
	    snd_pcm_pause(e->pcm, 1) >= 0) {
		e->paused = true;
		return 0;
	}
	if (e->output) {
		snd_pcm_sframes_t d = 0;

		/* what the drop discards, for the I/O layer to write again */
		if (snd_pcm_delay(e->pcm, &d) >= 0 && d > 0)
			e->dropped += (uint64_t)d;
	}
	snd_pcm_drop(e->pcm);
	prepare_pcm(e);
	return 0;
}

static void alsa_close(void *handle)
{
	struct alsa_end *e = handle;

	if (e->xrun.total)
		fprintf(stderr, "alsa %s: closed after %llu %s\n", e->name,
			(unsigned long long)e->xrun.total, e->output ? "underruns" : "overruns");
	snd_pcm_drop(e->pcm);
	snd_pcm_close(e->pcm);
	free(e->silence);
	free(e);
}

/*
 * The I/O layer asks after every round. An mmap'd PCM answers from the
 * status record, with no system call: the frames between the application
 * and hardware pointers as of the last position update. The
 * audio thread wakes on the period interrupt, which is that update, and
 * completes requests only on period boundaries, so the position is as new
 * as it needs; between updates the answer is larger than the truth, never
 * smaller, so nothing completes early. It leaves out a driver's own delay
 * beyond the ring (runtime->delay: snd-aloop has none; USB audio counts its
 * frames in flight there), so on such hardware a request completes that
 * much before it is heard. Other PCMs: ask (snd_pcm_delay).
 */
static int alsa_delay(void *handle, uint32_t *frames)
{
	struct alsa_end *e = handle;
	snd_pcm_sframes_t d = 0;

	if (e->mmap) {
		d = snd_pcm_avail_update(e->pcm);	/* xrun, setup: < 0 */
		if (d >= 0 && e->output)
			d = (snd_pcm_sframes_t)e->buffer - d;
	} else if (snd_pcm_delay(e->pcm, &d) < 0) {
		d = 0;
	}
	/* In XRUN or SETUP there is nothing queued that will play. */
	if (d < 0)
		d = 0;
	*frames = d > (snd_pcm_sframes_t)UINT32_MAX ? UINT32_MAX : (uint32_t)d;
	return 0;
}

/*
 * mmap access: copy up to n frames between buf and the ring, at most what
 * avail allows, and commit them. Not snd_pcm_mmap_writei/readi: those ask
 * the kernel for the position first (a HWSYNC ioctl per call), which is
 * what mmap access is here to avoid; avail comes from the status record.
 * The ring is interleaved with the frame layout of buf (mmap_layout_ok).
 * Returns the frames moved, or a negative errno (-EPIPE: xrun).
 */
static snd_pcm_sframes_t mmap_xfer(struct alsa_end *e, uint8_t *buf, snd_pcm_uframes_t n)
{
	snd_pcm_sframes_t avail = snd_pcm_avail_update(e->pcm);
	snd_pcm_uframes_t done = 0;

	if (avail < 0)
		return avail;
	if (n > (snd_pcm_uframes_t)avail)
		n = (snd_pcm_uframes_t)avail;
	while (done < n) {
		const snd_pcm_channel_area_t *areas;
		snd_pcm_uframes_t off, frames = n - done;
		snd_pcm_sframes_t c;
		uint8_t *ring;
		size_t bytes;
		int rc = snd_pcm_mmap_begin(e->pcm, &areas, &off, &frames);

		if (rc < 0)
			return done ? (snd_pcm_sframes_t)done : rc;
		if (!frames)
			break;
		ring = (uint8_t *)areas[0].addr + off * e->frame_bytes;
		bytes = frames * e->frame_bytes;
		if (e->output)
			memcpy(ring, buf + done * e->frame_bytes, bytes);
		else
			memcpy(buf + done * e->frame_bytes, ring, bytes);
		c = snd_pcm_mmap_commit(e->pcm, off, frames);
		if (c < 0)
			return done ? (snd_pcm_sframes_t)done : c;
		done += (snd_pcm_uframes_t)c;
		if ((snd_pcm_uframes_t)c < frames)
			break;
	}
	return (snd_pcm_sframes_t)done;
}

/* Move frames with the access the PCM was configured for. */
static snd_pcm_sframes_t put_frames(struct alsa_end *e, const void *buf, snd_pcm_uframes_t n)
{
	return e->mmap ? mmap_xfer(e, (uint8_t *)(uintptr_t)buf, n) : snd_pcm_writei(e->pcm, buf, n);
}

static snd_pcm_sframes_t get_frames(struct alsa_end *e, void *buf, snd_pcm_uframes_t n)
{
	return e->mmap ? mmap_xfer(e, buf, n) : snd_pcm_readi(e->pcm, buf, n);
}

/* After an xrun: ready again; output queues a period of silence. */
static void recover(struct alsa_end *e, int err)
{
	log_xrun(e);
	if (snd_pcm_recover(e->pcm, err, 1) < 0)
		snd_pcm_prepare(e->pcm);
	e->apos = 0;	/* either way a prepare */
	if (e->output) {
		if (put_frames(e, e->silence, e->period) > 0)
			e->apos = e->period;
		e->pending_start = true;
	} else {
		kick(e);
	}
}

/*
 * Frames (at most `frames') that may move now and leave the position on the
 * period grid (see the top): up to the last boundary avail reaches. avail
 * comes from the mmap'd status, as of the last position update (a period
 * interrupt, or this end's last delay call): never more than the truth.
 * A state avail_update reports as an error (xrun) gets all `frames', so
 * that writei/readi report and recover it.
 */
static uint32_t room(struct alsa_end *e, uint32_t frames)
{
	snd_pcm_sframes_t avail = snd_pcm_avail_update(e->pcm);
	uint64_t edge;

	if (avail < 0)
		return frames;
	edge = (e->apos + (uint64_t)avail) / e->period * e->period;
	if (edge <= e->apos)
		return 0;
	return edge - e->apos < frames ? (uint32_t)(edge - e->apos) : frames;
}

static long alsa_write(void *handle, const void *buf, uint32_t frames)
{
	struct alsa_end *e = handle;
	snd_pcm_sframes_t n = 0;

	for (int attempt = 0; attempt < 2; attempt++) {
		uint32_t want = room(e, frames);

		if (!want)
			break;
		n = put_frames(e, buf, want);
		if (n == -EPIPE || n == -ESTRPIPE) {
			recover(e, (int)n);
			continue;
		}
		break;
	}
	if (n == -EAGAIN || n == -EPIPE || n == -ESTRPIPE)
		n = 0;
	if (n < 0) {
		fprintf(stderr, "alsa %s: write: %s\n", e->name, snd_strerror((int)n));
		return n;
	}
	e->frames += (uint64_t)n;
	e->apos += (uint64_t)n;
	if (e->pending_start && snd_pcm_state(e->pcm) == SND_PCM_STATE_PREPARED) {
		snd_pcm_sframes_t d = 0;

		if (snd_pcm_delay(e->pcm, &d) >= 0 && d > 0)
			kick(e);
	}
	return n;
}

static long alsa_read(void *handle, void *buf, uint32_t frames)
{
	struct alsa_end *e = handle;
	uint32_t want = room(e, frames);
	snd_pcm_sframes_t n;

	if (!want)
		return 0;
	n = get_frames(e, buf, want);
	if (n == -EPIPE || n == -ESTRPIPE) {
		recover(e, (int)n);
		return 0;
	}
	if (n == -EAGAIN)
		return 0;
	if (n < 0) {
		fprintf(stderr, "alsa %s: read: %s\n", e->name, snd_strerror((int)n));
		return n;
	}
	e->frames += (uint64_t)n;
	e->apos += (uint64_t)n;
	return n;
}

static int alsa_wait(void *handle, uint32_t frames, uint64_t *ns)
{
	struct alsa_end *e = handle;
	snd_pcm_sframes_t avail = snd_pcm_avail(e->pcm);
	snd_pcm_state_t st = snd_pcm_state(e->pcm);
	uint64_t period_ns = (uint64_t)e->period * 1000000000ull / e->params.rate_hz;

	/* write/read move frames only up to a period boundary (room) */
	frames = (uint32_t)(e->period - e->apos % e->period);
	*ns = 0;
	if (avail < 0 || (snd_pcm_uframes_t)avail >= frames)
		return 0;	/* go: an xrun is handled by write/read */
	if (st != SND_PCM_STATE_RUNNING) {
		*ns = period_ns;
		return 0;
	}
	*ns = (uint64_t)(frames - (uint32_t)avail) * 1000000000ull / e->params.rate_hz;
	if (*ns > period_ns)
		*ns = period_ns;
	return 0;
}

static int alsa_poll_fds(void *handle, struct pollfd *fds, unsigned int max)
{
	struct alsa_end *e = handle;
	int n = snd_pcm_poll_descriptors_count(e->pcm);

	if (n <= 0 || (unsigned int)n > max)
		return 0;
	return snd_pcm_poll_descriptors(e->pcm, fds, (unsigned int)n);
}

static int alsa_poll_revents(void *handle, struct pollfd *fds, unsigned int n,
			     unsigned short *revents)
{
	struct alsa_end *e = handle;

	return snd_pcm_poll_descriptors_revents(e->pcm, fds, n, revents);
}

static int alsa_stats(void *handle, struct snd_end_stats *st)
{
	struct alsa_end *e = handle;

	st->frames = e->frames;
	st->xruns = e->xrun.total;
	st->dropped = e->dropped;
	return 0;
}

const struct snd_end_ops snd_end_alsa_ops = {
	.open = alsa_open,
	.prepare = alsa_prepare,
	.start = alsa_start,
	.stop = alsa_stop,
	.close = alsa_close,
	.delay_frames = alsa_delay,
	.write = alsa_write,
	.read = alsa_read,
	.wait_ns = alsa_wait,
	.stats = alsa_stats,
	.poll_fds = alsa_poll_fds,
	.poll_revents = alsa_poll_revents,
};

int snd_end_alsa_probe(const char *name, uint8_t direction, struct snd_end_probe *res, char *err,
		       size_t errlen)
{
	snd_pcm_t *pcm;
	snd_pcm_hw_params_t *hw;
	unsigned int cmin = 0, cmax = 0;
	int rc;

	memset(res, 0, sizeof(*res));
	if (!name || !name[0]) {
		snprintf(err, errlen, "no PCM name");
		return -EINVAL;
	}
	rc = snd_pcm_open(&pcm, name,
			  direction == VIRTIO_SND_D_OUTPUT ? SND_PCM_STREAM_PLAYBACK
							   : SND_PCM_STREAM_CAPTURE,
			  SND_PCM_NONBLOCK);
	if (rc < 0) {
		snprintf(err, errlen, "%s: cannot open: %s", name, snd_strerror(rc));
		return rc;
	}
	res->card = -1;
	{
		snd_pcm_info_t *info;

		snd_pcm_info_alloca(&info);
		if (snd_pcm_info(pcm, info) == 0)
			res->card = snd_pcm_info_get_card(info);
	}
	snd_pcm_hw_params_alloca(&hw);
	rc = snd_pcm_hw_params_any(pcm, hw);
	if (rc < 0) {
		snprintf(err, errlen, "%s: no configuration: %s", name, snd_strerror(rc));
		goto out;
	}
	for (int f = 0; f < 64 && f <= SND_PCM_FORMAT_LAST; f++)
		if (snd_format_from_alsa((snd_pcm_format_t)f) >= 0 &&
		    snd_pcm_hw_params_test_format(pcm, hw, (snd_pcm_format_t)f) == 0)
			res->caps.alsa_formats |= UINT64_C(1) << f;
	for (unsigned int v = 0; v < 64 && res->caps.n_rates < 32; v++) {
		unsigned int hz = snd_rate_to_hz(v);

		if (hz && snd_pcm_hw_params_test_rate(pcm, hw, hz, 0) == 0)
			res->rates[res->caps.n_rates++] = hz;
	}
	res->caps.rates = res->rates;
	if (snd_pcm_hw_params_get_channels_min(hw, &cmin) < 0 ||
	    snd_pcm_hw_params_get_channels_max(hw, &cmax) < 0)
		cmin = cmax = 0;
	res->caps.channels_min = cmin;
	res->caps.channels_max = cmax;
	rc = 0;
	if (!res->caps.alsa_formats)
		snprintf(err, errlen, "%s: no format virtio-sound can carry", name);
	else if (!res->caps.n_rates)
		snprintf(err, errlen, "%s: no virtio-sound rate", name);
	else if (!cmin || cmin > cmax)
		snprintf(err, errlen, "%s: no channel count", name);
	else
		goto out;
	rc = -ENOTSUP;
out:
	snd_pcm_close(pcm);
	return rc;
}
