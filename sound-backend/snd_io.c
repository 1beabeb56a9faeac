// SPDX-License-Identifier: MIT
/* The paced I/O layer; see snd_io.h (how the audio thread sleeps: on the
 * end's poll descriptors and wake_fd where the end has them, wait_fds and
 * fd_wait.h; otherwise on the `wake' condition variable with a timeout). */
#include "snd_io.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "fd_wait.h"
#include "snd_ends.h"
#include "snd_gain.h"
#include "snd_proto.h"
#include "vq_iov.h"

#define NS 1000000000ull
/* Shortest sleep of an audio thread that found nothing to do. */
#define MIN_SLEEP_NS 500000ull
/* Longest payload accepted in one request. */
#define PAYLOAD_MAX (32u << 20)
/* Waits for an audio thread are logged when they take this long. */
#define IDLE_WARN_NS (2 * NS)
/* Most poll descriptors of an end (an ALSA hw PCM has one). */
#define END_FDS_MAX FD_WAIT_MAX
/* Wake-ups by the end's descriptors in a row that moved nothing, after
 * which the audio thread sleeps the timed way (wait_ns) for a round. */
#define FD_IDLE_MAX 2

struct io_req {
	struct io_req *next;
	void *cookie;
	uint32_t payload;	/* PCM bytes */
	uint32_t done;		/* bytes written to the end (tx) / captured (rx) */
	bool rx;
	/* The header was read and names this request's stream. Not yet when
	 * it was routed by its queue alone (single_stream): then it is read
	 * when the payload is due (hdr_check). */
	bool hdr_ok;
	bool positioned;	/* tx: start_pos valid */
	uint64_t start_pos, end_pos;	/* tx: frames on the write axis */
	size_t pay_off;		/* byte offset of the payload in iov */
	size_t status_off;	/* byte offset of the status in iov */
	unsigned int n_iov;
	struct iovec iov[];
};

struct io_stream {
	struct snd_io *io;
	uint32_t id;
	uint8_t direction;
	const struct snd_end_ops *ops;
	void *ctx;
	pthread_t thread;
	bool thread_ok;

	pthread_mutex_t lock;
	pthread_cond_t wake;	/* to the audio thread */
	pthread_cond_t idle;	/* from it */
	/* under lock */
	void *end;		/* the real end's handle, NULL if none */
	struct snd_end_params params;
	uint32_t period_frames;
	uint8_t *bounce;
	uint32_t bounce_bytes;
	bool want_running, running, busy, quit, failed;
	/* The audio thread sleeps until the end has room (or a completion is
	 * due): it comes back by itself within a period. */
	bool timed_wait;
	/*
	 * Sleeping on the end's poll descriptors (snd_end.h poll_fds) instead:
	 * wake_fd, an eventfd, is the `wake' of that sleep (wake_audio writes
	 * it while fd_wait; -1 if there is none: timed waits only). fd_kicked:
	 * written since fd_wait was set (read back after the sleep). fd_valid:
	 * pfd holds descriptors of the current end that poll found ready, for
	 * the next round's poll_revents; end_claim clears it.
	 */
	int wake_fd;
	bool fd_wait, fd_kicked, fd_valid;
	uint64_t claims;	/* end_claim calls: the end changed hands */
	/* The audio thread is completing requests it took off the list: it
	 * writes their status into guest memory, so a reset (after which the
	 * memory is unmapped) waits for it. */
	unsigned int finishing;
	struct io_req *head, **tail;
	uint32_t pending;
	uint64_t submitted;	/* requests queued so far: a round's wake-up check */
	uint64_t wpos;		/* tx: frames written since prepare */
	uint32_t last_delay;
	uint64_t completed, bytes, xruns;
	pid_t tid;
	int sched_fifo;

	/* The target gain (float bits), written by the control thread and
	 * read by the audio thread without a lock: control never waits. */
	_Atomic uint32_t gain_bits;
	/* Audio thread only (and the control side while the thread is idle). */
	struct snd_gain_ramp ramp;
	/* Audio thread only: the end's descriptors of the last round (n_fds
	 * 0: a timed wait), wake-ups by them in a row that moved nothing
	 * (FD_IDLE_MAX), and the sleep on them and wake_fd. */
	struct pollfd pfd[END_FDS_MAX];
	unsigned int n_fds, fd_idle;
	bool fd_woke;
	struct fd_wait waiter;
};

struct snd_io {
	struct snd_io_config cfg;
	char name[64];
	uint32_t n;
	/* Per direction: the stream id when exactly one stream has it, else -1.
	 * Requests on such a queue are routed without reading their header at
	 * submit: the guest queues its buffer ahead (virtio_snd: up to 16
	 * periods), and the backend's first touch of a request's window pages
	 * is a page fault whose batch maps the requests queued after it.
	 * Touched at submit, each request cost a fault (the next one is not
	 * there yet); touched when due, one fault covers about a dozen
	 * (docs/performance.md). That needs the descriptors in the ring, not
	 * in an indirect table per request (main.c: no_indirect_desc). */
	int single_stream[2];
	pthread_mutex_t notice_lock;
	bool rt_notice;
	struct io_stream s[];
};


static void put_status(const struct iovec *iov, unsigned int n, size_t off, uint32_t status,
		       uint32_t latency)
{
	struct virtio_snd_pcm_status st;

	memset(&st, 0, sizeof(st));
	snd_put_le32(&st.status, status);
	snd_put_le32(&st.latency_bytes, latency);
	vq_iov_from_buf(iov, n, off, &st, sizeof(st));
}

/* --- gain */

static uint32_t float_bits(float f)
{
	uint32_t b;

	memcpy(&b, &f, sizeof(b));
	return b;
}

static float target_gain(struct io_stream *s)
{
	uint32_t b = atomic_load_explicit(&s->gain_bits, memory_order_relaxed);
	float f;

	memcpy(&f, &b, sizeof(f));
	return f;
}

/* The audio thread is idle: start steady at the target (no ramp into the
 * first period of a stream). */
static void gain_reset(struct io_stream *s)
{
	snd_gain_ramp_init(&s->ramp, target_gain(s), s->period_frames);
}

static void gain_process(struct io_stream *s, void *buf, uint32_t frames)
{
	snd_gain_ramp_process(&s->ramp, target_gain(s), s->params.vformat, s->params.channels,
			      buf, frames);
}

void snd_io_set_gain(struct snd_io *io, uint32_t stream_id, int32_t cdb, bool muted)
{
	if (!io || stream_id >= io->n)
		return;
	atomic_store_explicit(&io->s[stream_id].gain_bits, float_bits(snd_gain_factor(cdb, muted)),
			      memory_order_relaxed);
}

/* --- timing helpers */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS + (uint64_t)ts.tv_nsec;
}

static struct timespec deadline(uint64_t in_ns)
{
	uint64_t t = now_ns() + in_ns;
	struct timespec ts = { .tv_sec = (time_t)(t / NS), .tv_nsec = (long)(t % NS) };

	return ts;
}

static uint64_t frames_ns(uint64_t frames, unsigned int rate)
{
	return rate ? frames / rate * NS + (frames % rate * NS + rate - 1) / rate : NS;
}

static void logf_io(struct snd_io *io, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logf_io(struct snd_io *io, const char *fmt, ...)
{
	va_list ap;
	char line[256];

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: %s\n", io->name, line);
}

/* Under lock: wake the audio thread, whether it sleeps on `wake' or in
 * poll (wait_fds). */
static void wake_audio(struct io_stream *s)
{
	pthread_cond_signal(&s->wake);
	if (s->fd_wait && !s->fd_kicked) {
		uint64_t one = 1;
		ssize_t n = write(s->wake_fd, &one, sizeof(one));

		s->fd_kicked = n == (ssize_t)sizeof(one);
	}
}

/* --- completion */

/* Finish a list of requests outside the lock: status, callback, free. */
static void finish(struct snd_io *io, struct io_req *list, uint32_t status, uint32_t latency,
		   bool release)
{
	while (list) {
		struct io_req *r = list;
		uint32_t used = sizeof(struct virtio_snd_pcm_status);

		list = r->next;
		put_status(r->iov, r->n_iov, r->status_off, status, release ? 0 : latency);
		if (r->rx)
			used += r->done;	/* the captured bytes */
		io->cfg.complete(io->cfg.opaque, r->cookie, used);
		free(r);
	}
}

static void free_list(struct io_req *list)
{
	while (list) {
		struct io_req *r = list;

		list = r->next;
		free(r);
	}
}

/* Under lock, audio thread: finish two lists of requests taken off the
 * stream's list, with the lock dropped meanwhile (see finishing). */
static void finish_taken(struct io_stream *s, struct io_req *ok, uint32_t latency,
			 struct io_req *failed)
{
	s->finishing++;
	pthread_mutex_unlock(&s->lock);
	finish(s->io, ok, VIRTIO_SND_S_OK, latency, false);
	finish(s->io, failed, VIRTIO_SND_S_IO_ERR, 0, false);
	pthread_mutex_lock(&s->lock);
	s->finishing--;
	pthread_cond_broadcast(&s->idle);
}

/* Under lock: detach every request. */
static struct io_req *take_all(struct io_stream *s)
{
	struct io_req *l = s->head;

	s->head = NULL;
	s->tail = &s->head;
	s->pending = 0;
	return l;
}

/*
 * Under lock: become the only caller of the stream's end (busy). The audio
 * thread holds busy only across one round of non-blocking end calls (no end
 * call sleeps: snd_end.h), so this waits for at most that round; it never
 * waits for the audio thread to be scheduled to do the control side's work.
 * That is what keeps PREPARE/RELEASE replies on time when the audio thread
 * is starved: the control thread stops the end itself. The lock is dropped
 * while waiting.
 */
static void end_claim(struct io_stream *s)
{
	uint64_t start = now_ns();
	bool warned = false;

	while (s->busy) {
		struct timespec ts = deadline(NS / 10);

		pthread_cond_timedwait(&s->idle, &s->lock, &ts);
		if (!warned && now_ns() - start > IDLE_WARN_NS) {
			logf_io(s->io, "stream %u: audio thread slow to leave its end", s->id);
			warned = true;
		}
	}
	s->busy = true;
	s->claims++;
	s->fd_valid = false;	/* the end's descriptors' state is the control side's */
}

/* Under lock: give the end back and let the audio thread look at the state. */
static void end_unclaim(struct io_stream *s)
{
	s->busy = false;
	pthread_cond_broadcast(&s->idle);
	wake_audio(s);
}

/* --- the audio thread */

/* Under lock, tx: after the end dropped `dropped' queued frames, write them
 * again: move the write position back and the requests with it. */
static void rewind_tx(struct io_stream *s, uint64_t dropped)
{
	uint32_t fb = s->params.frame_bytes;

	if (dropped > s->wpos)
		dropped = s->wpos;
	s->wpos -= dropped;
	for (struct io_req *r = s->head; r; r = r->next) {
		uint64_t f;

		if (!r->positioned)
			break;
		if (r->start_pos >= s->wpos) {
			r->positioned = false;
			r->done = 0;
			continue;
		}
		f = s->wpos - r->start_pos;
		if (f * fb < r->done)
			r->done = (uint32_t)(f * fb);
	}
}

/* Under lock: move the head request to the end of the list whose tail is *dt. */
static void take_head(struct io_stream *s, struct io_req ***dt)
{
	struct io_req *r = s->head;

	s->head = r->next;
	if (!s->head)
		s->tail = &s->head;
	s->pending--;
	s->completed++;
	r->next = NULL;
	**dt = r;
	*dt = &r->next;
}

/* Under lock, tx: pop the requests whose frames have been played. */
static struct io_req *pop_played(struct io_stream *s, uint32_t delay)
{
	uint64_t played = s->wpos - (delay < s->wpos ? delay : s->wpos);
	struct io_req *done = NULL, **dt = &done;

	while (s->head && s->head->positioned && s->head->done == s->head->payload &&
	       s->head->end_pos <= played)
		take_head(s, &dt);
	return done;
}

/*
 * Under lock, after pop_played()/pop_full(): latency_bytes for a completion,
 * from the end's delay. rx: the frames captured and not yet handed over.
 * tx: a request completes only once its frames have been played, so the
 * end's delay is made of frames of requests the guest has not seen
 * completed, which virtio_snd already counts in its ring; it adds
 * latency_bytes on top (runtime->delay). Reporting the end's whole delay
 * counted those frames twice (snd-vm-bench: 110 ms reported for 66 ms
 * measured, 10 ms periods). What is left is the delay beyond them: 0,
 * unless the end holds frames of requests already completed.
 */
static uint32_t latency_bytes(const struct io_stream *s, uint32_t delay)
{
	uint64_t pending = 0;

	if (s->direction != VIRTIO_SND_D_OUTPUT)
		return delay * s->params.frame_bytes;
	if (s->head && s->head->positioned && s->wpos > s->head->start_pos)
		pending = s->wpos - s->head->start_pos;
	if (delay <= pending)
		return 0;
	return (uint32_t)((delay - pending) * s->params.frame_bytes);
}

/* Under lock, rx: pop the full requests. */
static struct io_req *pop_full(struct io_stream *s)
{
	struct io_req *done = NULL, **dt = &done;

	while (s->head && s->head->done == s->head->payload)
		take_head(s, &dt);
	return done;
}

/* The stream id in a request's header (reads guest memory; the caller
 * checked that the driver-readable part holds a whole header). */
static uint32_t hdr_stream_id(const struct iovec *iov, unsigned int n)
{
	struct virtio_snd_pcm_xfer hdr;

	vq_iov_to_buf(iov, n, 0, &hdr, sizeof(hdr));
	return snd_get_le32(&hdr.stream_id);
}

/*
 * Under lock, busy set: read the header of a request routed by its queue
 * alone (lock dropped meanwhile; busy keeps the request on the list). A
 * header naming another stream: the request leaves the list for *bad, to be
 * completed with IO_ERR like one refused at submit, its payload unplayed.
 */
static bool hdr_check(struct io_stream *s, struct io_req *r, struct io_req ***bad)
{
	struct io_req **pp;
	bool ok;

	pthread_mutex_unlock(&s->lock);
	ok = hdr_stream_id(r->iov, r->n_iov) == s->id;
	pthread_mutex_lock(&s->lock);
	if (ok) {
		r->hdr_ok = true;
		return true;
	}
	for (pp = &s->head; *pp != r; pp = &(*pp)->next)
		;
	*pp = r->next;
	if (s->tail == &r->next)
		s->tail = pp;
	s->pending--;
	s->completed++;
	r->next = NULL;
	**bad = r;
	*bad = &r->next;
	return false;
}

/* Under lock: the first request with payload left to move (or a header
 * still to check). */
static struct io_req *first_open(struct io_stream *s)
{
	for (struct io_req *r = s->head; r; r = r->next)
		if (r->done < r->payload || !r->hdr_ok ||
		    (!r->positioned && s->direction == VIRTIO_SND_D_OUTPUT))
			return r;
	return NULL;
}

/*
 * Under lock with the end claimed (busy): stop a running end; the lock is
 * dropped around the end calls. tx: frames the end dropped are written again
 * after the next start, and the requests whose frames were played are
 * returned, to be completed OK with *latency bytes.
 */
static struct io_req *stop_running(struct io_stream *s, uint32_t *latency)
{
	const struct snd_end_ops *ops = s->ops;
	void *end = s->end;
	uint32_t d0 = 0, d1 = 0;
	struct snd_end_stats st0 = { 0 }, st1 = { 0 };
	struct io_req *done = NULL;

	*latency = 0;
	if (!s->running || !end)
		return NULL;
	pthread_mutex_unlock(&s->lock);
	if (ops->stats)
		ops->stats(end, &st0);
	if (ops->delay_frames)
		ops->delay_frames(end, &d0);
	if (ops->stop)
		ops->stop(end);
	if (ops->delay_frames)
		ops->delay_frames(end, &d1);
	if (ops->stats)
		ops->stats(end, &st1);
	pthread_mutex_lock(&s->lock);
	if (s->direction == VIRTIO_SND_D_OUTPUT) {
		if (st1.dropped > st0.dropped)
			rewind_tx(s, st1.dropped - st0.dropped);
		done = pop_played(s, d1);
		s->last_delay = d1;
		*latency = latency_bytes(s, d1);
	}
	s->running = false;
	return done;
}

/*
 * One round of I/O while STARTED, called and returning with the lock held
 * and busy set (so nobody frees the requests or the end meanwhile; the lock
 * is dropped around every end call). Returns how long to sleep; *done and
 * *failed get what to complete. When payload is left that the end could not
 * take and the end has poll descriptors, s->n_fds says to sleep on them
 * (wait_fds) rather than for the time wait_ns gives; the time returned is
 * then the deadline of the head request's completion (or a period).
 */
static uint64_t io_round(struct io_stream *s, struct io_req **done, struct io_req **failed)
{
	const struct snd_end_ops *ops = s->ops;
	void *end = s->end;
	uint32_t fb = s->params.frame_bytes, delay = 0;
	bool out = s->direction == VIRTIO_SND_D_OUTPUT;
	uint64_t sleep = UINT64_MAX, wait = 0, bytes0 = s->bytes;
	bool fd_woke = s->fd_woke, use_fds;
	int n_fds = 0;
	struct io_req *r, **bad = failed;
	struct snd_end_stats st;

	*done = *failed = NULL;
	if (s->fd_valid && ops->poll_revents) {
		unsigned short revents = 0;

		/* let the end read what woke us (some clear it so) */
		s->fd_valid = false;
		pthread_mutex_unlock(&s->lock);
		ops->poll_revents(end, s->pfd, s->n_fds, &revents);
		pthread_mutex_lock(&s->lock);
	}
	s->fd_valid = false;
	s->fd_woke = false;
	s->n_fds = 0;
	while ((r = first_open(s))) {
		uint32_t n = r->payload - r->done;
		long got;

		if (!r->hdr_ok && !hdr_check(s, r, &bad))
			continue;
		if (out && !r->positioned) {
			r->positioned = true;
			r->start_pos = s->wpos;
			r->end_pos = s->wpos + r->payload / fb;
		}
		if (!n)
			continue;
		if (n > s->bounce_bytes)
			n = s->bounce_bytes;
		pthread_mutex_unlock(&s->lock);
		if (out) {
			vq_iov_to_buf(r->iov, r->n_iov, r->pay_off + r->done, s->bounce, n);
			gain_process(s, s->bounce, n / fb);
			got = ops->write(end, s->bounce, n / fb);
			if (got > 0)
				snd_gain_ramp_advance(&s->ramp, (uint32_t)got);
		} else {
			got = ops->read(end, s->bounce, n / fb);
			if (got > 0) {
				gain_process(s, s->bounce, (uint32_t)got);
				snd_gain_ramp_advance(&s->ramp, (uint32_t)got);
				vq_iov_from_buf(r->iov, r->n_iov, r->pay_off + r->done, s->bounce,
					 (size_t)got * fb);
			}
		}
		pthread_mutex_lock(&s->lock);
		if (got < 0) {
			/* The end failed for good: every request gets IO_ERR,
			 * as will the next ones, until the end is reopened. */
			logf_io(s->io, "stream %u: end %s failed (%ld); requests get IO_ERR",
				s->id, out ? "write" : "read", got);
			s->failed = true;
			*bad = take_all(s);
			return NS;
		}
		if (got == 0)
			break;
		r->done += (uint32_t)got * fb;
		s->bytes += (uint64_t)got * fb;
		if (out)
			s->wpos += (uint64_t)got;
		if ((uint32_t)got * fb < n)
			break;
	}
	r = first_open(s);
	use_fds = r && s->wake_fd >= 0 && ops->poll_fds && s->fd_idle < FD_IDLE_MAX;
	pthread_mutex_unlock(&s->lock);
	if (ops->delay_frames)
		ops->delay_frames(end, &delay);
	if (use_fds) {
		n_fds = ops->poll_fds(end, s->pfd, END_FDS_MAX);
		if (n_fds <= 0 || n_fds > END_FDS_MAX)
			n_fds = 0;
	}
	if (r && ops->wait_ns && !n_fds) {
		uint32_t want = (r->payload - r->done) / fb;

		if (want > s->period_frames)
			want = s->period_frames;
		ops->wait_ns(end, want ? want : 1, &wait);
		sleep = wait;
	}
	if (ops->stats && !ops->stats(end, &st))
		s->xruns = st.xruns;
	pthread_mutex_lock(&s->lock);
	s->last_delay = delay;
	if (out) {
		*done = pop_played(s, delay);
		if (s->head && s->head->positioned && s->head->done == s->head->payload) {
			uint64_t played = s->wpos - (delay < s->wpos ? delay : s->wpos);
			uint64_t t = frames_ns(s->head->end_pos - played, s->params.rate_hz);

			if (t < sleep)
				sleep = t;
		}
	} else {
		*done = pop_full(s);
	}
	/* Woken by the end's descriptors for nothing: after FD_IDLE_MAX of
	 * those in a row, a timed round (an end whose descriptor stays ready
	 * must not make this thread spin). */
	if (s->bytes != bytes0 || *done)
		s->fd_idle = 0;
	else if (fd_woke)
		s->fd_idle++;
	if (n_fds) {
		s->n_fds = (unsigned int)n_fds;
		if (sleep == UINT64_MAX)
			sleep = frames_ns(s->period_frames, s->params.rate_hz);
	}
	if (sleep != UINT64_MAX) {
		uint64_t period = frames_ns(s->period_frames, s->params.rate_hz);

		if (sleep > period)
			sleep = period;
		if (sleep < MIN_SLEEP_NS)
			sleep = MIN_SLEEP_NS;
	}
	return sleep;
}

int snd_io_sched_fifo(int prio, char *why, size_t why_len)
{
	struct sched_param sp = { .sched_priority = prio };
	int rc;

	if (prio <= 0)
		return 0;
	rc = pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
	if (!rc)
		return 1;
	snprintf(why, why_len, "%s%s", strerror(rc),
		 rc == EPERM ? ": no CAP_SYS_NICE/RLIMIT_RTPRIO, or RT group scheduling "
			       "gives this cgroup no runtime" : "");
	return -1;
}

/* Audio thread, at its start: --rt-priority. When that is not allowed,
 * the first of the io's threads to find out logs it, the others keep quiet. */
static void set_rt(struct io_stream *s)
{
	struct snd_io *io = s->io;
	char why[160];
	int r = snd_io_sched_fifo(io->cfg.rt_priority, why, sizeof(why));

	if (r >= 0) {
		s->sched_fifo = r;
		return;
	}
	pthread_mutex_lock(&io->notice_lock);
	if (!io->rt_notice) {
		io->rt_notice = true;
		logf_io(io, "SCHED_FIFO %d not allowed (%s); audio threads run SCHED_OTHER",
			io->cfg.rt_priority, why);
	}
	pthread_mutex_unlock(&io->notice_lock);
}

/*
 * Tell the device whether this thread polls the stream's queue (snd_io.h,
 * poll_queue); with polling, take what waits there now. Drops the lock
 * around the call: the device submits with it.
 */
static void poll_queue(struct io_stream *s, bool *polling, bool on)
{
	struct snd_io *io = s->io;

	if (!io->cfg.poll_queue || (!on && !*polling))
		return;
	*polling = on;
	pthread_mutex_unlock(&s->lock);
	io->cfg.poll_queue(io->cfg.opaque, s->direction, s->id, on);
	pthread_mutex_lock(&s->lock);
}

/*
 * Under lock, audio thread, after a round that left s->n_fds descriptors of
 * the end (io_round): sleep until one is ready, wake_audio() writes wake_fd,
 * or timeout_ns passed. The lock is dropped meanwhile, as for a timed wait
 * on `wake' (timed_wait means the same to snd_io_submit). A wake_audio()
 * between the unlock and poll finds fd_wait set and leaves wake_fd
 * readable, so poll returns at once: no wake-up is lost. The end may be
 * stopped or closed by the control side while this thread is in poll (it
 * never holds busy here); that side then calls wake_audio() through
 * end_unclaim before it closes the end.
 */
static void wait_fds(struct io_stream *s, uint64_t timeout_ns)
{
	unsigned int n = s->n_fds;
	uint64_t claims = s->claims;
	struct timespec ts = { .tv_sec = (time_t)(timeout_ns / NS),
			       .tv_nsec = (long)(timeout_ns % NS) };
	int rc;

	s->timed_wait = true;
	s->fd_wait = true;
	pthread_mutex_unlock(&s->lock);
	/* claims: the end's descriptors are registered again after the end
	 * changed hands (a number may then name another file); whether
	 * wake_fd was written, fd_kicked says under the lock */
	rc = fd_wait_sleep(&s->waiter, s->pfd, n, claims, &ts, NULL);
	pthread_mutex_lock(&s->lock);
	s->fd_wait = false;
	s->timed_wait = false;
	if (s->fd_kicked) {
		uint64_t v;

		s->fd_kicked = read(s->wake_fd, &v, sizeof(v)) < 0 && errno == EINTR;
	}
	s->fd_woke = false;
	for (unsigned int i = 0; rc > 0 && i < n; i++)
		if (s->pfd[i].revents)
			s->fd_woke = true;
	/* for the next round's poll_revents, unless the control side took
	 * the end meanwhile (end_claim) */
	s->fd_valid = s->fd_woke && !s->busy && s->claims == claims;
}

static void *audio_thread(void *arg)
{
	struct io_stream *s = arg;
	struct snd_io *io = s->io;
	bool polling = false;

	set_rt(s);
	pthread_mutex_lock(&s->lock);
	s->tid = gettid();
	while (!s->quit) {
		if (s->busy) {
			/* the control side holds the end (end_claim) */
			pthread_cond_wait(&s->idle, &s->lock);
			continue;
		}
		if (s->end && s->want_running != s->running) {
			struct io_req *done = NULL;
			uint32_t latency = 0;

			s->busy = true;
			if (s->want_running) {
				void *end = s->end;

				pthread_mutex_unlock(&s->lock);
				if (s->ops->start && s->ops->start(end))
					logf_io(io, "stream %u: end start failed", s->id);
				pthread_mutex_lock(&s->lock);
				s->running = true;
			} else {
				done = stop_running(s, &latency);
			}
			s->busy = false;
			pthread_cond_broadcast(&s->idle);
			if (done)
				finish_taken(s, done, latency, NULL);
			continue;
		}
		if (!s->end || !s->running || s->failed) {
			if (polling) {
				/* Requests come from snd_io_submit again. */
				poll_queue(s, &polling, false);
				continue;
			}
			pthread_cond_broadcast(&s->idle);
			if (s->failed && s->head) {
				finish_taken(s, NULL, 0, take_all(s));
				continue;
			}
			pthread_cond_wait(&s->wake, &s->lock);
			continue;
		}
		if (io->cfg.poll_queue) {
			poll_queue(s, &polling, true);
			/* The state may have changed while the lock was dropped. */
			if (s->busy || s->quit || !s->end || !s->running || s->failed ||
			    s->want_running != s->running)
				continue;
		}
		{
			struct io_req *done, *failed;
			uint64_t sleep, seen = s->submitted;
			uint32_t latency;

			s->busy = true;
			sleep = io_round(s, &done, &failed);
			s->busy = false;
			pthread_cond_broadcast(&s->idle);
			latency = latency_bytes(s, s->last_delay);
			if (done || failed) {
				uint64_t claims = s->claims;

				finish_taken(s, done, latency, failed);
				/* The state may have changed meanwhile: look
				 * again. Unless the round left the end's
				 * descriptors to sleep on and nobody took the
				 * end: the next round is due when the end has
				 * room, which one now would not find (the
				 * checks below still see a submit, stop or
				 * quit that came while completing). */
				if (!s->n_fds || failed || s->busy || s->claims != claims)
					continue;
			}
			if (s->quit || s->want_running != s->running)
				continue;
			/* A request queued while the round had the lock dropped
			 * signalled before anyone waited: look again instead of
			 * sleeping through it (with nothing else in flight, the
			 * guest would send nothing more to wake us). Not when
			 * sleeping on the end's descriptors: that request is
			 * behind payload the end could not take yet, and moves
			 * when the end has room. */
			if (s->submitted != seen && !s->n_fds)
				continue;
			if (sleep == UINT64_MAX) {
				if (polling) {
					/* No deadline: hand the queue back to
					 * kicks, and look at what came meanwhile. */
					poll_queue(s, &polling, false);
					if (s->submitted != seen)
						continue;
				}
				if (s->quit || s->busy || s->want_running != s->running)
					continue;
				pthread_cond_wait(&s->wake, &s->lock);
			} else if (s->n_fds) {
				/* the end's descriptors come first; the time is
				 * an upper bound, a period beyond the head's
				 * completion, for a PCM that stays silent */
				wait_fds(s, sleep + frames_ns(s->period_frames,
							      s->params.rate_hz));
			} else {
				struct timespec ts = deadline(sleep);

				s->timed_wait = true;
				pthread_cond_timedwait(&s->wake, &s->lock, &ts);
				s->timed_wait = false;
			}
		}
	}
	s->busy = false;
	s->running = false;
	pthread_cond_broadcast(&s->idle);
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

/* --- the wrapper end (control side) */

static int w_open(void *ctx, const char *name, const struct snd_end_params *guest,
		  void **handle)
{
	struct io_stream *s = ctx;
	const struct snd_end_ops *ops = s->ops;
	/* The guest's choice, and how deep the backend lets the end go. */
	struct snd_end_params params = *guest;
	const struct snd_end_params *p = &params;
	uint32_t period, buffer, bytes;
	uint8_t *bounce;
	void *h = NULL;
	int rc;

	params.host_periods = s->io->cfg.host_periods;
	if (s->end)
		return -EBUSY;
	if (p->direction != s->direction || !p->frame_bytes || !p->rate_hz)
		return -EINVAL;
	if ((s->direction == VIRTIO_SND_D_OUTPUT ? !ops->write : !ops->read) || !ops->wait_ns) {
		logf_io(s->io, "stream %u: end %s has no data path", s->id, name);
		return -ENOTSUP;
	}
	snd_end_host_buffer(p, &period, &buffer);
	if ((uint64_t)period * p->frame_bytes > PAYLOAD_MAX)
		period = PAYLOAD_MAX / p->frame_bytes;
	bytes = period * p->frame_bytes;
	bounce = malloc(bytes);
	if (!bounce)
		return -ENOMEM;
	rc = ops->open(s->ctx, name, p, &h);
	if (rc || !h) {
		free(bounce);
		return rc < 0 ? rc : -EIO;
	}
	pthread_mutex_lock(&s->lock);
	free(s->bounce);
	s->bounce = bounce;
	s->bounce_bytes = bytes;
	s->period_frames = period;
	s->params = *p;
	s->end = h;
	s->wpos = 0;
	s->last_delay = 0;
	s->want_running = s->running = s->failed = false;
	gain_reset(s);
	pthread_mutex_unlock(&s->lock);
	*handle = s;
	return 0;
}

static int w_prepare(void *handle)
{
	struct io_stream *s = handle;
	struct io_req *done;
	uint32_t latency;
	void *end;
	int rc;

	pthread_mutex_lock(&s->lock);
	s->want_running = false;
	end_claim(s);
	done = stop_running(s, &latency);
	end = s->end;
	s->wpos = 0;
	s->last_delay = 0;
	s->failed = false;
	gain_reset(s);
	for (struct io_req *r = s->head; r; r = r->next) {
		if (s->direction == VIRTIO_SND_D_OUTPUT)
			r->done = 0;
		r->positioned = false;
	}
	pthread_mutex_unlock(&s->lock);
	finish(s->io, done, VIRTIO_SND_S_OK, latency, false);
	rc = s->ops->prepare && end ? s->ops->prepare(end) : 0;
	pthread_mutex_lock(&s->lock);
	end_unclaim(s);
	pthread_mutex_unlock(&s->lock);
	return rc;
}

static int w_start(void *handle)
{
	struct io_stream *s = handle;

	pthread_mutex_lock(&s->lock);
	s->want_running = true;
	wake_audio(s);
	pthread_mutex_unlock(&s->lock);
	return 0;
}

static int w_stop(void *handle)
{
	struct io_stream *s = handle;

	pthread_mutex_lock(&s->lock);
	s->want_running = false;
	wake_audio(s);
	pthread_mutex_unlock(&s->lock);
	return 0;
}

static void w_close(void *handle)
{
	struct io_stream *s = handle;
	struct io_req *done, *l;
	uint32_t latency;
	void *end;

	pthread_mutex_lock(&s->lock);
	s->want_running = false;
	end_claim(s);
	done = stop_running(s, &latency);
	l = take_all(s);	/* none after a RELEASE; a reset drops them */
	end = s->end;
	s->end = NULL;
	s->last_delay = 0;
	end_unclaim(s);
	pthread_mutex_unlock(&s->lock);
	free_list(done);
	free_list(l);
	if (end)
		s->ops->close(end);
}

static int w_delay(void *handle, uint32_t *frames)
{
	struct io_stream *s = handle;

	pthread_mutex_lock(&s->lock);
	*frames = s->end ? s->last_delay : 0;
	pthread_mutex_unlock(&s->lock);
	return 0;
}

const struct snd_end_ops snd_io_end_ops = {
	.open = w_open,
	.prepare = w_prepare,
	.start = w_start,
	.stop = w_stop,
	.close = w_close,
	.delay_frames = w_delay,
};

void *snd_io_end_ctx(struct snd_io *io, uint32_t stream_id)
{
	return io && stream_id < io->n ? &io->s[stream_id] : NULL;
}

/* --- transport side */

int snd_io_submit(struct snd_io *io, uint8_t queue_dir, void *cookie, const struct iovec *iov,
		  unsigned int out_num, unsigned int in_num, uint32_t *used_len)
{
	const uint32_t st_len = sizeof(struct virtio_snd_pcm_status);
	unsigned int n = out_num + in_num;
	size_t out_bytes = 0, in_bytes = 0, status_off, pay_off, payload;
	const size_t hdr_len = sizeof(struct virtio_snd_pcm_xfer);
	struct io_stream *s;
	struct io_req *r;
	uint32_t id, status = VIRTIO_SND_S_IO_ERR;
	bool hdr_ok = false;

	*used_len = 0;
	if (n > SND_IO_MAX_SEGS || n < out_num || (n && !iov))
		return 1;
	for (unsigned int i = 0; i < n; i++) {
		size_t *sum = i < out_num ? &out_bytes : &in_bytes;

		if (iov[i].iov_len > PAYLOAD_MAX * 2u || *sum + iov[i].iov_len > PAYLOAD_MAX * 2u)
			return 1;	/* absurd: cannot even trust a status */
		*sum += iov[i].iov_len;
	}
	if (in_bytes < st_len)
		return 1;	/* nowhere to put a status: used length 0 */
	status_off = out_bytes + in_bytes - st_len;
	*used_len = st_len;
	if (out_bytes < hdr_len)
		goto reply;
	if (queue_dir < 2 && io->single_stream[queue_dir] >= 0) {
		id = (uint32_t)io->single_stream[queue_dir];	/* header read when due */
	} else {
		id = hdr_stream_id(iov, out_num);
		if (id >= io->n || io->s[id].direction != queue_dir)
			goto reply;
		hdr_ok = true;
	}
	s = &io->s[id];
	if (queue_dir == VIRTIO_SND_D_OUTPUT) {
		pay_off = hdr_len;
		payload = out_bytes - hdr_len;
	} else {
		pay_off = out_bytes;
		payload = in_bytes - st_len;
	}
	if (payload > PAYLOAD_MAX)
		goto reply;
	r = malloc(sizeof(*r) + n * sizeof(r->iov[0]));
	if (!r) {
		status = VIRTIO_SND_S_IO_ERR;
		goto reply;
	}
	memset(r, 0, sizeof(*r));
	r->cookie = cookie;
	r->rx = queue_dir == VIRTIO_SND_D_INPUT;
	r->hdr_ok = hdr_ok;
	r->payload = (uint32_t)payload;
	r->pay_off = pay_off;
	r->status_off = status_off;
	r->n_iov = n;
	memcpy(r->iov, iov, n * sizeof(r->iov[0]));

	pthread_mutex_lock(&s->lock);
	if (!s->end || s->failed || payload % s->params.frame_bytes) {
		status = VIRTIO_SND_S_IO_ERR;
	} else {
		/* Payload already queued that the end could not take yet goes
		 * first: this request cannot move before the audio thread's
		 * timed wake-up anyway, so waking it now would only cost a
		 * round (a context switch and three ALSA calls). In steady
		 * state a guest keeps its whole buffer queued, and every
		 * request arrives behind such payload. */
		bool behind = s->timed_wait && first_open(s);

		*s->tail = r;
		s->tail = &r->next;
		s->pending++;
		s->submitted++;
		if (!behind)
			wake_audio(s);
		pthread_mutex_unlock(&s->lock);
		return 0;
	}
	pthread_mutex_unlock(&s->lock);
	free(r);
reply:
	put_status(iov, n, status_off, status, 0);
	return 1;
}

void snd_io_release(void *opaque, uint32_t stream_id)
{
	struct snd_io *io = opaque;
	struct io_stream *s;
	struct io_req *done, *l;
	uint32_t latency;

	if (!io || stream_id >= io->n)
		return;
	s = &io->s[stream_id];
	pthread_mutex_lock(&s->lock);
	s->want_running = false;
	end_claim(s);
	done = stop_running(s, &latency);
	l = take_all(s);
	for (struct io_req *r = l; r; r = r->next)
		s->completed++;
	end_unclaim(s);
	pthread_mutex_unlock(&s->lock);
	finish(io, done, VIRTIO_SND_S_OK, latency, false);
	finish(io, l, VIRTIO_SND_S_OK, 0, true);
}

void snd_io_reset(struct snd_io *io)
{
	for (uint32_t i = 0; io && i < io->n; i++) {
		struct io_stream *s = &io->s[i];
		struct io_req *done, *l;
		uint32_t latency;

		pthread_mutex_lock(&s->lock);
		s->want_running = false;
		end_claim(s);
		done = stop_running(s, &latency);
		l = take_all(s);
		s->wpos = 0;
		/* The caller unmaps guest memory next: the audio thread must be
		 * done writing the status of what it took off the list. */
		while (s->finishing)
			pthread_cond_wait(&s->idle, &s->lock);
		end_unclaim(s);
		pthread_mutex_unlock(&s->lock);
		free_list(done);
		free_list(l);
	}
}

int snd_io_stream_stats(struct snd_io *io, uint32_t stream_id, struct snd_io_stats *st)
{
	struct io_stream *s;

	if (!io || stream_id >= io->n)
		return -EINVAL;
	s = &io->s[stream_id];
	pthread_mutex_lock(&s->lock);
	st->completed = s->completed;
	st->bytes = s->bytes;
	st->xruns = s->xruns;
	st->delay_frames = s->last_delay;
	st->pending = s->pending;
	st->tid = s->tid;
	st->sched_fifo = s->sched_fifo;
	pthread_mutex_unlock(&s->lock);
	return 0;
}

/* --- life cycle */

static void stop_threads(struct snd_io *io, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		struct io_stream *s = &io->s[i];

		if (!s->thread_ok)
			continue;
		pthread_mutex_lock(&s->lock);
		s->quit = true;
		wake_audio(s);
		pthread_mutex_unlock(&s->lock);
		pthread_join(s->thread, NULL);
		s->thread_ok = false;
	}
}

static void free_streams(struct snd_io *io, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		struct io_stream *s = &io->s[i];

		if (s->end) {
			logf_io(io, "stream %u: end still open at destroy; closing it", s->id);
			s->ops->close(s->end);
		}
		free_list(take_all(s));
		free(s->bounce);
		fd_wait_fini(&s->waiter);
		if (s->wake_fd >= 0)
			close(s->wake_fd);
		pthread_cond_destroy(&s->idle);
		pthread_cond_destroy(&s->wake);
		pthread_mutex_destroy(&s->lock);
	}
}

int snd_io_create(const struct snd_io_config *cfg, const struct snd_io_stream_desc *streams,
		  uint32_t n_streams, struct snd_io **out)
{
	struct snd_io *io;
	pthread_condattr_t ca;
	uint32_t i;
	int rc = 0;

	*out = NULL;
	if (!cfg || !cfg->complete || (n_streams && !streams) || n_streams > 1024)
		return -EINVAL;
	for (i = 0; i < n_streams; i++)
		if ((streams[i].direction != VIRTIO_SND_D_OUTPUT &&
		     streams[i].direction != VIRTIO_SND_D_INPUT) ||
		    !streams[i].end_ops || !streams[i].end_ops->open || !streams[i].end_ops->close)
			return -EINVAL;
	io = calloc(1, sizeof(*io) + n_streams * sizeof(io->s[0]));
	if (!io)
		return -ENOMEM;
	io->cfg = *cfg;
	snprintf(io->name, sizeof(io->name), "%s", cfg->name ? cfg->name : "snd_io");
	io->n = n_streams;
	{
		uint32_t count[2] = { 0, 0 };

		for (i = 0; i < n_streams; i++) {
			count[streams[i].direction]++;
			io->single_stream[streams[i].direction] = (int)i;
		}
		for (unsigned int d = 0; d < 2; d++)
			if (count[d] != 1)
				io->single_stream[d] = -1;
	}
	pthread_mutex_init(&io->notice_lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	for (i = 0; i < n_streams; i++) {
		struct io_stream *s = &io->s[i];

		s->io = io;
		s->id = i;
		s->direction = streams[i].direction;
		s->ops = streams[i].end_ops;
		s->ctx = streams[i].end_ctx;
		s->tail = &s->head;
		s->tid = -1;
		/* none: the stream's waits stay timed (cond_timedwait) */
		s->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		fd_wait_init(&s->waiter, s->wake_fd);
		atomic_init(&s->gain_bits, float_bits(1.0f));
		snd_gain_ramp_init(&s->ramp, 1.0f, 1);
		pthread_mutex_init(&s->lock, NULL);
		pthread_cond_init(&s->wake, &ca);
		pthread_cond_init(&s->idle, &ca);
	}
	pthread_condattr_destroy(&ca);
	for (i = 0; i < n_streams; i++) {
		char tname[16];

		rc = pthread_create(&io->s[i].thread, NULL, audio_thread, &io->s[i]);
		if (rc) {
			rc = -rc;
			break;
		}
		io->s[i].thread_ok = true;
		snprintf(tname, sizeof(tname), "snd-io-%u", i);
		pthread_setname_np(io->s[i].thread, tname);
	}
	if (rc) {
		stop_threads(io, n_streams);
		free_streams(io, n_streams);
		pthread_mutex_destroy(&io->notice_lock);
		free(io);
		return rc;
	}
	*out = io;
	return 0;
}

void snd_io_destroy(struct snd_io *io)
{
	if (!io)
		return;
	stop_threads(io, io->n);
	free_streams(io, io->n);
	pthread_mutex_destroy(&io->notice_lock);
	free(io);
}
