// SPDX-License-Identifier: MIT
#include "wavalign.h"

#include <string.h>

static size_t run_length(const struct wav *ref, const struct wav *cap, size_t off)
{
	size_t fb = wav_frame_bytes(ref);
	size_t n = ref->frames;
	size_t i;

	if (cap->frames - off < n)
		n = cap->frames - off;
	for (i = 0; i < n; i++)
		if (memcmp(ref->data + i * fb, cap->data + (off + i) * fb, fb) != 0)
			break;
	return i;
}

enum wav_find_result wav_find(const struct wav *ref, const struct wav *cap, size_t probe_frames,
			      struct wav_match *m)
{
	size_t fb, probe;

	memset(m, 0, sizeof(*m));
	if (ref->format != cap->format || ref->rate != cap->rate || ref->channels != cap->channels ||
	    ref->frames == 0 || cap->frames == 0)
		return WAV_INCOMPATIBLE;
	fb = wav_frame_bytes(ref);
	probe = probe_frames ? probe_frames : 1;
	if (probe > ref->frames)
		probe = ref->frames;
	if (probe > cap->frames)
		return WAV_NOT_FOUND;

	int found = 0;

	for (size_t off = 0; off + probe <= cap->frames; off++) {
		size_t run;

		if (memcmp(cap->data + off * fb, ref->data, probe * fb) != 0)
			continue;
		run = run_length(ref, cap, off);
		if (!found || run > m->matched) {
			m->offset = off;
			m->matched = run;
			found = 1;
		}
		if (run == ref->frames)
			break;
	}
	if (!found)
		return WAV_NOT_FOUND;
	return m->matched == ref->frames ? WAV_FOUND_ALL : WAV_FOUND_PART;
}
