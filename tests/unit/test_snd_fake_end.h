/* SPDX-License-Identifier: MIT */
/*
 * A recording fake of struct snd_end_ops for the sound device tests: every
 * handle is a heap allocation (so a leaked or doubly closed handle shows up
 * under valgrind/ASan too), calls are counted, failures can be injected.
 */
#ifndef TEST_SND_FAKE_END_H
#define TEST_SND_FAKE_END_H

#include <stdint.h>

#include "snd_end.h"

struct fake_end {
	/* counters */
	int opens, closes, prepares, starts, stops;
	int live;		/* opens - closes, must never exceed 1 per stream */
	int max_live;
	/* injected failures (the next call of that kind fails if set) */
	int fail_open, fail_prepare, fail_start, fail_stop;
	uint32_t delay;		/* what delay_frames reports */
	struct snd_end_params last_params;
	char last_name[SND_END_NAME_MAX];
	int misuse;		/* calls on a handle that is not open */
};

extern const struct snd_end_ops fake_end_ops;

void fake_end_clear(struct fake_end *f);

#endif /* TEST_SND_FAKE_END_H */
