/* SPDX-License-Identifier: MIT */
/*
 * The audio "end" a virtio-sound stream is bound to: an ALSA PCM
 * ("hw:Loopback,0,0"), the paced "null" end or a "wav:/path" file. The stream
 * state machine (snd_stream.c) drives it only through these function
 * pointers, so every end plugs in the same way and the unit tests use a
 * recording fake.
 *
 * Contract, checked by the tests: every successful open() is matched by
 * exactly one close(), whatever the sequence of control requests and resets;
 * prepare/start/stop/delay_frames are only called between the two.
 */
#ifndef SND_END_H
#define SND_END_H

#include <poll.h>
#include <stdint.h>

#include <alsa/asoundlib.h>

/* Longest end name, with its NUL ("wav:/some/path.wav"). */
#define SND_END_NAME_MAX 256

/* What the driver chose with PCM_SET_PARAMS, decoded. */
struct snd_end_params {
	uint32_t stream_id;
	uint8_t direction;		/* VIRTIO_SND_D_OUTPUT or _INPUT */
	uint8_t channels;
	uint8_t vformat;		/* VIRTIO_SND_PCM_FMT_x */
	uint8_t vrate;			/* VIRTIO_SND_PCM_RATE_x */
	snd_pcm_format_t format;	/* the same, for ALSA */
	unsigned int rate_hz;
	uint32_t frame_bytes;
	uint32_t buffer_bytes;		/* the guest's buffer */
	uint32_t period_bytes;		/* the guest's period: size the host buffer from it */
	uint32_t features;		/* VIRTIO_SND_PCM_F_x selected */
	/* Most periods the host buffer may hold (--host-periods); 0: the
	 * default, SND_END_HOST_PERIODS. Not from the guest. */
	uint32_t host_periods;
};

/* Host buffer depth in periods unless the backend's --host-periods says. */
#define SND_END_HOST_PERIODS 4
/* The range --host-periods accepts (the guest has at most 16 periods). */
#define SND_END_HOST_PERIODS_MIN 2
#define SND_END_HOST_PERIODS_MAX 15

/* Counters an end keeps from open to close. */
struct snd_end_stats {
	uint64_t frames;	/* frames written (output) or read (input) */
	uint64_t xruns;		/* underruns (output) or overruns (input) */
	uint64_t dropped;	/* output frames stop() discarded unplayed */
};

struct snd_end_ops {
	/* Open `name' for `params'; on success store a handle and return 0. */
	int (*open)(void *ctx, const char *name, const struct snd_end_params *params,
		    void **handle);
	/* Ready to start from the beginning (drop whatever is queued). */
	int (*prepare)(void *handle);
	int (*start)(void *handle);
	/* Stop now; data still queued in the end may be dropped. */
	int (*stop)(void *handle);
	void (*close)(void *handle);
	/* Frames the end holds that are not yet played (output) or not yet
	 * handed over (input): the basis of latency_bytes. Optional. */
	int (*delay_frames)(void *handle, uint32_t *frames);

	/*
	 * Data path (all optional for the control-only users of this header;
	 * the I/O layer, snd_io.c, requires write or read for the stream's
	 * direction and wait_ns). Called by the stream's audio thread only,
	 * never concurrently with another call on the same handle; none of
	 * them blocks (an end opens its device non-blocking), so each returns
	 * within microseconds, and never later than one period.
	 *
	 * write: output; take up to `frames' interleaved frames from buf.
	 * Returns the frames taken (0: no room now, see wait_ns), or a
	 * negative errno for a failure the end could not recover from.
	 * Underruns are the end's business: recover, play silence, count.
	 * read: input; the same the other way (0: nothing captured yet).
	 * Overruns likewise.
	 * wait_ns: how long until `frames' frames can be written (output) or
	 * read (input): 0 = now. The caller sleeps at most that long (and at
	 * most one period) before trying again. `frames' is what the caller
	 * has waiting; an end that moves frames in units of its own waits for
	 * its next unit instead (the ALSA end: up to the next period boundary,
	 * see end_alsa.c).
	 * stats: counters for logs and tests. Optional.
	 * poll_fds: descriptors that become ready when the end can take
	 * (output) or give (input) a period, as a PCM's with avail_min one
	 * period: up to `max' into fds (events set), returns the count (0 or
	 * negative: none, wait_ns it is). Optional; the I/O layer sleeps on
	 * them, with a timeout, instead of the time wait_ns gives, and only
	 * while write/read left frames waiting (a descriptor of an end with
	 * room would stay ready). poll_revents: after poll, what those fds'
	 * revents mean (as snd_pcm_poll_descriptors_revents, which also
	 * clears what some plugins leave readable); POLLOUT/POLLIN set in
	 * *revents: ready. Optional (absent: the revents as they are).
	 *
	 * Lifecycle as seen by an end: open, prepare, start, write/read...,
	 * stop, start (resume: an output end whose stop discarded queued frames
	 * adds their count to stats.dropped, and the I/O layer writes those
	 * frames again), ..., close. start on an output end may wait for the
	 * first write before the clock runs.
	 */
	long (*write)(void *handle, const void *buf, uint32_t frames);
	long (*read)(void *handle, void *buf, uint32_t frames);
	int (*wait_ns)(void *handle, uint32_t frames, uint64_t *ns);
	int (*stats)(void *handle, struct snd_end_stats *stats);
	int (*poll_fds)(void *handle, struct pollfd *fds, unsigned int max);
	int (*poll_revents)(void *handle, struct pollfd *fds, unsigned int n,
			    unsigned short *revents);
};

#endif /* SND_END_H */
