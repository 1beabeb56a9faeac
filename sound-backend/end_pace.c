// SPDX-License-Identifier: MIT
/* Real-time pacing of the clock-less ends; see end_pace.h. */
#include "end_pace.h"

#include <time.h>

#define NS 1000000000ull

uint64_t end_pace_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS + (uint64_t)ts.tv_nsec;
}

/* Frames in ns nanoseconds (rounded down), without overflow. */
static uint64_t frames_in(uint64_t ns, unsigned int rate)
{
	return ns / NS * rate + ns % NS * rate / NS;
}

/* Nanoseconds until `frames' frames have passed (rounded up). */
static uint64_t ns_for(uint64_t frames, unsigned int rate)
{
	return frames / rate * NS + (frames % rate * NS + rate - 1) / rate;
}

void end_pace_init(struct end_pace *p, bool output, unsigned int rate, uint32_t period,
		   uint32_t buffer)
{
	p->rate = rate ? rate : 1;
	p->period = period ? period : 1;
	p->buffer = buffer >= p->period ? buffer : p->period;
	p->output = output;
	end_pace_prepare(p);
	p->xruns = 0;
}

void end_pace_prepare(struct end_pace *p)
{
	p->running = false;
	p->armed = false;
	p->t0 = 0;
	p->base = 0;
	p->done = 0;
}

/* Position of the virtual device: frames consumed (output) or produced
 * (input) so far. */
static uint64_t position(const struct end_pace *p, uint64_t now)
{
	if (!p->running)
		return p->base;
	return p->base + frames_in(now > p->t0 ? now - p->t0 : 0, p->rate);
}

/* Bring the clock to `now': detect an underrun or an overrun. */
static uint64_t update(struct end_pace *p, uint64_t now, uint64_t *skipped)
{
	uint64_t pos = position(p, now);

	if (skipped)
		*skipped = 0;
	if (p->output) {
		if (p->running && pos > p->done) {
			/* Drained and more wanted: an underrun. Like ALSA, the
			 * clock stops and restarts with the next write. */
			p->xruns++;
			p->base = p->done;
			p->running = false;
			pos = p->done;
		}
	} else if (pos - p->done > p->buffer) {
		uint64_t lost = pos - p->done - p->buffer;

		p->xruns++;
		p->done += lost;
		if (skipped)
			*skipped = lost;
	}
	return pos;
}

void end_pace_start(struct end_pace *p)
{
	uint64_t now = end_pace_now_ns();

	update(p, now, NULL);
	p->armed = true;
	if (!p->running && (!p->output || p->done > p->base)) {
		p->running = true;
		p->t0 = now;
	}
}

void end_pace_stop(struct end_pace *p)
{
	uint64_t now = end_pace_now_ns();

	p->base = update(p, now, NULL);
	p->running = false;
	p->armed = false;
}

uint32_t end_pace_avail(struct end_pace *p, uint64_t *skipped)
{
	uint64_t pos = update(p, end_pace_now_ns(), skipped);
	uint64_t n;

	if (p->output)
		n = p->buffer - (p->done - pos);
	else
		n = pos - p->done;
	return n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

void end_pace_commit(struct end_pace *p, uint32_t frames)
{
	if (p->output && frames && p->armed && !p->running) {
		/* Fresh output: the clock starts with the first frames. */
		update(p, end_pace_now_ns(), NULL);
		p->base = p->done;
		p->t0 = end_pace_now_ns();
		p->running = true;
	}
	p->done += frames;
}

uint32_t end_pace_delay(struct end_pace *p)
{
	uint64_t pos = update(p, end_pace_now_ns(), NULL);
	uint64_t n = p->output ? p->done - pos : pos - p->done;

	return n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

uint64_t end_pace_wait_ns(struct end_pace *p, uint32_t frames)
{
	uint64_t now = end_pace_now_ns();
	uint64_t pos = update(p, now, NULL);
	uint64_t have, target, at;

	if (frames > p->buffer)
		frames = p->buffer;
	have = p->output ? p->buffer - (p->done - pos) : pos - p->done;
	if (have >= frames)
		return 0;
	if (!p->running)	/* paused: nothing changes until start */
		return ns_for(p->period, p->rate);
	/* position that makes `frames' available */
	target = pos + (frames - have);
	at = p->t0 + ns_for(target - p->base, p->rate);
	return at > now ? at - now : 0;
}
