/* SPDX-License-Identifier: MIT */
/*
 * The paced I/O layer of the sound device: one audio thread per stream
 * moves PCM between the tx/rx requests the transport takes from the
 * virtqueues and the stream's end (snd_ends.h), and completes each request
 * at the right time:
 *
 *  - tx: when its audio has been consumed by the end, i.e. when the end's
 *    delay shows its last frame left the buffer (so completions come one
 *    period apart, never as soon as copied); status OK, latency_bytes = the
 *    end's delay beyond the frames of requests not yet completed (which
 *    the guest already counts in its ring): 0 in steady state;
 *  - rx: when its payload is full of captured audio; status OK,
 *    latency_bytes = frames captured and not yet handed over;
 *  - requests arriving while the stream is not STARTED are held until START;
 *  - RELEASE (snd_io_release, the io_release hook of the stream state
 *    machine) completes every pending request of the stream before it
 *    returns (tx: OK, latency 0; rx: what was captured so far);
 *  - reset (snd_io_reset) drops every request without completing it.
 *
 * Malformed requests are completed at once by snd_io_submit: no room for a
 * status, nothing is written; otherwise VIRTIO_SND_S_IO_ERR (an I/O status
 * is OK or IO_ERR; BAD_MSG is for control requests) for a header shorter
 * than virtio_snd_pcm_xfer, an unknown stream id, a stream of the other
 * direction, a payload not a whole number of frames, a stream not prepared
 * (no end open), an end failure or no memory. Where a direction has a
 * single stream, submit does not read the header (it touches no guest
 * memory at all): the request goes to that stream, and its header is
 * checked when its payload is due; one naming another stream is then
 * completed with IO_ERR, its payload unplayed (RELEASE completes such
 * requests still queued OK, like the others, with nothing played).
 *
 * How it plugs in. The I/O layer wraps each stream's end: give the device
 * model snd_io_end_ops and snd_io_end_ctx(io, i) as stream i's end_ops and
 * end_ctx, and snd_io_release as the device's io_release hook; the real end
 * (snd_end_for_name) goes in struct snd_io_stream_desc. The state machine's
 * start/stop only post a request to the audio thread and return at once.
 * PREPARE, RELEASE, close and snd_io_reset do their work on the calling
 * (control) thread: they take the end from the audio thread (waiting, if it
 * is inside the end right now, for its current round of non-blocking end
 * calls), stop it themselves if it is running and give it back. They never
 * wait for the audio thread to be scheduled, so a starved or stalled audio
 * thread cannot push a control reply past the driver's timeout: control
 * never waits on audio I/O. The mutex is held only for list and counter
 * updates, never across an end call.
 *
 * How the audio thread sleeps. After a round it sleeps until the end can
 * take (tx) or give (rx) more, or the head request is due for completion.
 * An end with poll descriptors (snd_end.h poll_fds: the ALSA end's PCM)
 * has the thread sleep on them and on a per-stream eventfd (epoll, with
 * the descriptors registered once per end: fd_wait.h), which everything
 * that wakes the thread (submit, start, stop, release, reset, quit)
 * writes while it sleeps there; the timeout, a period past the head
 * request's completion, bounds a silent PCM. So it wakes when a period is
 * free rather than when it computed one would be (snd-aloop moves in jiffy
 * steps, and the computed wake-up often came before the position moved).
 * The other ends (null, wav) sleep on a condition variable for the time
 * the end's wait_ns and the head's completion give. Either way a request
 * queued behind payload the end could not take yet does not wake it.
 *
 * Threads: snd_io_submit from the thread(s) that pop the tx/rx queues (the
 * audio threads too, inside the poll_queue hook); the
 * control functions (the wrapped end ops, snd_io_release, snd_io_reset,
 * snd_io_destroy) from the thread that serializes the device's control
 * calls. The complete callback runs on a stream's audio thread (normal
 * completions) or on the control thread (snd_io_release, and the requests
 * a PREPARE or RELEASE found played when it stopped the end); it must be
 * thread-safe (lock around vq_push + notify) and must not call back into
 * snd_io. It is never called from inside snd_io_submit.
 */
#ifndef SND_IO_H
#define SND_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "snd_end.h"

/* Most segments one request may have (as lib/virtqueue's VQ_MAX_SEGS). */
#define SND_IO_MAX_SEGS 1024

struct snd_io;

/* A request is done: used_len bytes were written to its writable part
 * (the status included). Return it to the used ring and notify. */
typedef void (*snd_io_complete_fn)(void *opaque, void *cookie, uint32_t used_len);

struct snd_io_config {
	snd_io_complete_fn complete;
	void *opaque;
	/* SCHED_FIFO priority (1..99) of the audio threads; 0: do not try.
	 * When not allowed, the threads run SCHED_OTHER and one line says so. */
	int rt_priority;
	/* Most periods of audio an end's host buffer holds ahead
	 * (snd_end_host_buffer); 0: SND_END_HOST_PERIODS. */
	uint32_t host_periods;
	/* Prefix of log lines ("vhost-user-sound card0"); NULL: "snd_io". */
	const char *name;
	/*
	 * Optional: take the requests waiting in the queue of @direction and
	 * snd_io_submit them. While stream @stream_id is STARTED, its audio
	 * thread calls this with polling true before every round, so about
	 * once a period, and with polling false before it sleeps without a
	 * deadline or leaves STARTED; after that last call it takes requests
	 * only from snd_io_submit again. So a device may leave the driver's
	 * kicks off on a queue while some stream polls it: a request then waits
	 * at most a period, while the end still holds the ones before it, and
	 * costs no kick and no control-thread wake-up. Called without any
	 * snd_io lock held; may call snd_io_submit and nothing else of snd_io.
	 */
	void (*poll_queue)(void *opaque, uint8_t direction, uint32_t stream_id, bool polling);
};

struct snd_io_stream_desc {
	uint8_t direction;			/* VIRTIO_SND_D_OUTPUT or _INPUT */
	const struct snd_end_ops *end_ops;	/* the real end */
	void *end_ctx;
};

/* Starts one audio thread per stream. 0, -EINVAL or -ENOMEM/-EAGAIN. */
int snd_io_create(const struct snd_io_config *cfg, const struct snd_io_stream_desc *streams,
		  uint32_t n_streams, struct snd_io **out);
/* Stops the threads and frees. Destroy the device model first (it closes
 * the ends through the wrapper); an end still open is closed here. */
void snd_io_destroy(struct snd_io *io);

/* The wrapper end: stream i's end_ops/end_ctx in struct snd_stream_desc. */
extern const struct snd_end_ops snd_io_end_ops;
void *snd_io_end_ctx(struct snd_io *io, uint32_t stream_id);

/*
 * A request taken from the tx (queue_dir VIRTIO_SND_D_OUTPUT) or rx
 * (VIRTIO_SND_D_INPUT) queue: iov[0 .. out_num) readable (the
 * virtio_snd_pcm_xfer header, then for tx the PCM payload), then in_num
 * writable segments (for rx the payload to fill; the last 8 bytes receive
 * the virtio_snd_pcm_status). The iovec array is copied; the memory it
 * points to must stay mapped until the request is completed or dropped.
 * Returns 0: queued, the complete callback will report it (or a reset drops
 * it); 1: completed at once (a malformed request or a stream without an
 * end), *used_len says what to vq_push. Never blocks.
 */
int snd_io_submit(struct snd_io *io, uint8_t queue_dir, void *cookie, const struct iovec *iov,
		  unsigned int out_num, unsigned int in_num, uint32_t *used_len);

/* The io_release hook (struct snd_device_hooks / snd_stream_hooks, with
 * opaque = io): complete every pending request of the stream. */
void snd_io_release(void *io, uint32_t stream_id);

/* Device reset: the audio threads stop touching requests and ends, every
 * pending request is dropped without completion (the rings are gone). Call
 * before snd_device_reset and before guest memory is unmapped. */
void snd_io_reset(struct snd_io *io);

/*
 * The gain the audio thread applies to the stream's PCM (snd_gain.h), from
 * the stream's volume/switch (snd_device_stream_gain): output before the end
 * gets the bytes, input before the guest does. Any thread; never blocks
 * (an atomic store the audio thread picks up with its next chunk, so within
 * one period; changes ramp over one period). Default 0 dB: bytes unchanged.
 */
void snd_io_set_gain(struct snd_io *io, uint32_t stream_id, int32_t cdb, bool muted);

struct snd_io_stats {
	uint64_t completed;	/* requests completed by the audio thread or release */
	uint64_t bytes;		/* payload bytes moved to/from the end */
	uint64_t xruns;		/* the end's count */
	uint32_t delay_frames;	/* the end's last delay */
	uint32_t pending;	/* requests held or in flight */
	pid_t tid;		/* the audio thread (for the policy daemon) */
	int sched_fifo;		/* 1 if it runs SCHED_FIFO */
};
int snd_io_stream_stats(struct snd_io *io, uint32_t stream_id, struct snd_io_stats *st);

/*
 * Put the calling thread under SCHED_FIFO at priority prio (1..99), as each
 * audio thread is at snd_io_config.rt_priority; for the process's other
 * threads the audio waits on (the one that takes requests off the queues).
 * prio <= 0: nothing is tried, returns 0. 1: it now runs SCHED_FIFO. -1:
 * not allowed (it stays as it was); why gets the reason for the caller's
 * log line: the error text and, for EPERM, where to look.
 */
int snd_io_sched_fifo(int prio, char *why, size_t why_len);

#endif /* SND_IO_H */
