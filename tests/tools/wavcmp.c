// SPDX-License-Identifier: MIT
/*
 * wavcmp: check that a captured WAV contains a played WAV bit for bit,
 * after aligning the start. Exit 0 when every played frame is there.
 * --skip and --first pick a part of the played file (a stretch between two
 * gaps of a playback that underran).
 */
#include "wavalign.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	struct wav ref, cap;
	struct wav_match m;
	char err[256];
	size_t first = 0, skip = 0;
	uint8_t *ref_data;
	int rc = 1;

	while (argc >= 5 && (strcmp(argv[1], "--first") == 0 || strcmp(argv[1], "--skip") == 0)) {
		*(strcmp(argv[1], "--first") == 0 ? &first : &skip) = strtoul(argv[2], NULL, 10);
		argv += 2;
		argc -= 2;
	}
	if (argc != 3 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		int help = argc == 2 && argv[1][0] == '-';

		fprintf(help ? stdout : stderr,
			"Usage: wavcmp [--skip M] [--first N] PLAYED.wav CAPTURED.wav\n"
			"Exit 0 when CAPTURED contains every frame of PLAYED (or, after its\n"
			"first M frames, the next N frames), bit-exact and in order,\n"
			"starting anywhere; 1 when it does not; 2 on bad input.\n");
		return help ? 0 : 2;
	}
	if (wav_read_file(argv[1], &ref, err, sizeof(err)) != 0) {
		fprintf(stderr, "wavcmp: %s: %s\n", argv[1], err);
		return 2;
	}
	if (wav_read_file(argv[2], &cap, err, sizeof(err)) != 0) {
		fprintf(stderr, "wavcmp: %s: %s\n", argv[2], err);
		wav_free(&ref);
		return 2;
	}
	if (skip >= ref.frames || first > ref.frames - skip) {
		fprintf(stderr, "wavcmp: --skip %zu --first %zu: %s has only %zu frames\n", skip,
			first, argv[1], ref.frames);
		wav_free(&ref);
		wav_free(&cap);
		return 2;
	}
	ref_data = ref.data;
	ref.data += skip * wav_frame_bytes(&ref);
	ref.frames -= skip;
	if (first)
		ref.frames = first;
	switch (wav_find(&ref, &cap, 32, &m)) {
	case WAV_FOUND_ALL:
		printf("wavcmp: match: %zu frames bit-exact at capture frame %zu (%.1f ms)\n",
		       m.matched, m.offset, 1000.0 * (double)m.offset / cap.rate);
		rc = 0;
		break;
	case WAV_FOUND_PART:
		printf("wavcmp: MISMATCH: played frames 0..%zu found at capture frame %zu, "
		       "then frame %zu of %zu differs%s\n",
		       m.matched ? m.matched - 1 : 0, m.offset, m.matched, ref.frames,
		       m.offset + m.matched >= cap.frames ? " (capture ended)" : "");
		break;
	case WAV_NOT_FOUND:
		printf("wavcmp: MISMATCH: the first played frames appear nowhere in %zu captured frames\n",
		       cap.frames);
		break;
	case WAV_INCOMPATIBLE:
		printf("wavcmp: MISMATCH: formats differ or a file is empty "
		       "(%s %u Hz %u ch %zu frames vs %s %u Hz %u ch %zu frames)\n",
		       wav_format_name(ref.format), ref.rate, ref.channels, ref.frames,
		       wav_format_name(cap.format), cap.rate, cap.channels, cap.frames);
		break;
	}
	ref.data = ref_data;
	wav_free(&ref);
	wav_free(&cap);
	return rc;
}
