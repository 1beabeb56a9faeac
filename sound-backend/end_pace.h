/* SPDX-License-Identifier: MIT */
/*
 * Real-time pacing for the ends without a device clock ("null", "wav:"): a
 * virtual ring buffer drained (output) or filled (input) at exactly `rate'
 * frames per second of CLOCK_MONOTONIC, with the same behaviour an ALSA PCM
 * shows: an output clock starts with the first frames written after start,
 * an empty buffer is an underrun (counted; the clock restarts with the next
 * write), a full capture buffer an overrun (the oldest frames are skipped).
 * stop freezes the clock and keeps what is queued.
 */
#ifndef END_PACE_H
#define END_PACE_H

#include <stdbool.h>
#include <stdint.h>

struct end_pace {
	unsigned int rate;
	uint32_t period, buffer;	/* frames */
	bool output;
	bool running;		/* the clock runs */
	bool armed;		/* started; output: the clock starts with data */
	uint64_t t0;		/* ns, clock origin */
	uint64_t base;		/* frames consumed/produced before t0 */
	uint64_t done;		/* frames written (output) / read (input) */
	uint64_t xruns;
};

uint64_t end_pace_now_ns(void);
void end_pace_init(struct end_pace *p, bool output, unsigned int rate, uint32_t period,
		   uint32_t buffer);
/* Back to empty and stopped. */
void end_pace_prepare(struct end_pace *p);
void end_pace_start(struct end_pace *p);
void end_pace_stop(struct end_pace *p);
/* Output: frames that fit now. Input: frames readable now; *skipped gets
 * the frames an overrun dropped (the caller skips them in its source). */
uint32_t end_pace_avail(struct end_pace *p, uint64_t *skipped);
/* Account frames written or read. */
void end_pace_commit(struct end_pace *p, uint32_t frames);
/* Output: frames queued, not yet played; input: frames captured, not read. */
uint32_t end_pace_delay(struct end_pace *p);
/* ns until `frames' frames fit (output) or are readable (input). */
uint64_t end_pace_wait_ns(struct end_pace *p, uint32_t frames);

#endif /* END_PACE_H */
