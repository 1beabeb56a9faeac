/* SPDX-License-Identifier: MIT */
/*
 * Finding played audio inside captured audio: a capture starts before the
 * playback and ends after it, so the played frames sit somewhere inside it.
 * The comparison is bit-exact: any change of a sample is a failure.
 */
#ifndef VLO_TESTS_WAVALIGN_H
#define VLO_TESTS_WAVALIGN_H

#include "wav.h"

struct wav_match {
	size_t offset;  /* frame of the capture where the reference starts */
	size_t matched; /* frames equal from there on, bit for bit */
};

enum wav_find_result {
	WAV_FOUND_ALL,     /* every reference frame is there, in order */
	WAV_FOUND_PART,    /* the start is there, then a difference or the end */
	WAV_NOT_FOUND,     /* the reference's first frames appear nowhere */
	WAV_INCOMPATIBLE,  /* rate, channels or format differ, or empty input */
};

/*
 * Look for ref inside cap. The start is where the first frames of ref
 * (up to probe_frames, at least 1) match exactly; among several such
 * places the one with the longest run of equal frames wins.
 */
enum wav_find_result wav_find(const struct wav *ref, const struct wav *cap, size_t probe_frames,
			      struct wav_match *m);

#endif
